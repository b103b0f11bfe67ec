"""Views, tables and incremental tables in Spark's catalog, from Spark SQL SELECTs.

Each relation a build writes is a new physical table (or, for a view, the
build's copy) under a name no reader uses (see versions.py): a model that
fails leaves nothing behind but its own version, which the build drops. An
incremental step writes the merged rows as the new version (Parquet tables
have no MERGE or DELETE): the current version's rows whose key is not among
the new rows, then the new rows (merge and delete+insert alike), or the old
rows then the new ones (append).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from warehouse.adapters.base import Materialized, SchemaChanged
from warehouse.core.identity import Relation

Sql = Callable[[str], list[tuple[Any, ...]]]  # run one Spark statement


def q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def write_table(run: Sql, target: str, select: str) -> int:
    """Create table `target` (quoted db.name, a new name) from `select`; rows written.
    Nothing is left of it when the query fails."""
    run(f"drop table if exists {target}")
    try:
        run(f"create table {target} using parquet as\n{select}")
    except BaseException:
        run(f"drop table if exists {target}")
        raise
    return int(run(f"select count(*) from {target}")[0][0])


def materialize(run: Sql, columns_of: Callable[[str], list[tuple[str, str]]],
                relation: Relation, target: str, materialized: str, select: str, *,
                current: str | None, incremental_select: str | None = None,
                strategy: str = "append", unique_key: Sequence[str] = (),
                on_schema_change: str = "ignore") -> Materialized:
    """Build `select` (Spark SQL) as the new `target`; `current` is the relation's table
    as it is now (None when it is no table), which an incremental step reads. See
    adapters/base.py Session.materialize."""
    if materialized == "view":
        run(f"create or replace view {target} as\n{select}")
        return Materialized(relation, "view", None)
    if materialized == "incremental" and incremental_select is not None and current:
        return _incremental(run, columns_of, relation, target, current, incremental_select,
                            strategy=strategy, unique_key=unique_key,
                            on_schema_change=on_schema_change)
    rows = write_table(run, target, select)
    return Materialized(relation, materialized, rows)


def _incremental(run: Sql, columns_of: Callable[[str], list[tuple[str, str]]],
                 relation: Relation, target: str, current: str, select: str, *,
                 strategy: str, unique_key: Sequence[str], on_schema_change: str
                 ) -> Materialized:
    stage = target[:-1] + "_stage`"
    run(f"drop table if exists {stage}")
    run(f"create table {stage} using parquet as\n{select}")
    try:
        new_cols = columns_of(stage)
        old_cols = columns_of(current)
        _check_columns(new_cols, old_cols, on_schema_change)
        names = ", ".join(q(c) for c, _ in old_cols)
        incoming = int(run(f"select count(*) from {stage}")[0][0])
        if strategy == "append" or not unique_key:
            kept = f"select {names} from {current}"
        else:
            match = " and ".join(f"o.{q(k)} = n.{q(k)}" for k in unique_key)
            kept = (f"select {names} from {current} as o where not exists "
                    f"(select 1 from {stage} as n where {match})")
        total = write_table(run, target, f"{kept}\nunion all\nselect {names} from {stage}")
    finally:
        run(f"drop table if exists {stage}")
    return Materialized(relation, "incremental", total, f"{incoming} new or changed")


def _check_columns(new: list[tuple[str, str]], old: list[tuple[str, str]], mode: str) -> None:
    """The incoming columns against the table's; only 'ignore' and 'fail' on Spark."""
    old_types = {c.lower(): t for c, t in old}
    new_types = {c.lower(): t for c, t in new}
    added = [(c, t) for c, t in new if c.lower() not in old_types]
    removed = [c for c, _ in old if c.lower() not in new_types]
    retyped = [(c, old_types[c.lower()], t) for c, t in new
               if c.lower() in old_types and old_types[c.lower()] != t]
    if not (added or removed or retyped):
        return
    if mode == "fail":
        raise SchemaChanged(added, removed, retyped)
    if mode != "ignore":
        from warehouse.adapters.base import DatabaseError

        raise DatabaseError(f"on_schema_change {mode!r} is not supported on the Spark target "
                            "(only 'ignore' and 'fail'): run with --full-refresh")
    if removed:
        from warehouse.adapters.base import DatabaseError

        raise DatabaseError(f"the incremental query lacks column(s) {', '.join(removed)} of "
                            "the table: run with --full-refresh")
