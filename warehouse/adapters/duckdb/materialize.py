"""Materializations: the SQL that turns a model's SELECT into a view or table.

Statement building is pure (`plan_statements`); `materialize` runs the plan on
a DuckDB cursor inside one transaction, so a model that fails leaves the
relation as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warehouse.adapters.base import Materialized
from warehouse.core.identity import Relation, quote_ident

_STAGE = "__warehouse_incoming"


class Catalog:
    """The relations in the database, read once per run and kept current as models build.

    One catalog query per run instead of one per model: the lookup was a
    visible share of the engine's overhead on large projects.
    """

    def __init__(self, cur: Any) -> None:
        import threading

        rows = cur.execute("select table_schema, table_name, table_type "
                           "from information_schema.tables").fetchall()
        self._kinds = {(s.lower(), n.lower()): "view" if t == "VIEW" else "table"
                       for s, n, t in rows}
        self._lock = threading.Lock()

    def kind(self, relation: Relation) -> str | None:
        """'table', 'view' or None."""
        with self._lock:
            return self._kinds.get((relation.schema.lower(), relation.name.lower()))

    def record(self, relation: Relation, kind: str | None) -> None:
        with self._lock:
            key = (relation.schema.lower(), relation.name.lower())
            if kind is None:
                self._kinds.pop(key, None)
            else:
                self._kinds[key] = kind


def plan_statements(relation: Relation, materialized: str, sql: str, *,
                    existing: str | None, incremental_sql: str | None = None,
                    strategy: str = "append", unique_key: Sequence[str] = ()) -> list[str]:
    """Statements to run, in order; the last one's count is the row count reported."""
    # Leading lines are kept: the SELECT starts on the statement's second line, so
    # DuckDB's `LINE n` is line n-1 of the compiled SQL (see run.node_errors).
    body = sql.rstrip().rstrip(";")
    target = relation.sql
    pre: list[str] = []  # the runner creates schemas up front
    drop_other = {
        "view": "table", "table": "view", "incremental": "view",
    }.get(materialized)
    if existing and existing == drop_other:
        pre.append(f"drop {existing} {target}")
        existing = None
    if materialized == "view":
        return [*pre, f"create or replace view {target} as\n{body}"]
    if materialized == "table" or existing is None or incremental_sql is None:
        return [*pre, f"create or replace table {target} as\n{body}"]
    incoming = incremental_sql.rstrip().rstrip(";")
    stage = quote_ident(_STAGE + "_" + relation.name)
    stage_stmt = f"create or replace temp table {stage} as\n{incoming}"
    if strategy == "append":
        return [*pre, f"insert into {target} by name\n{incoming}"]
    keys = list(unique_key)
    match = " and ".join(f"t.{quote_ident(k)} is not distinct from s.{quote_ident(k)}"
                         for k in keys)
    if strategy == "merge":
        return [*pre, stage_stmt,
                f"merge into {target} as t using {stage} as s on ({match}) "
                "when matched then update set * when not matched then insert *"]
    # delete+insert
    return [*pre, stage_stmt,
            f"delete from {target} as t where exists (select 1 from {stage} as s where {match})",
            f"insert into {target} by name select * from {stage}"]


def materialize(cur: Any, relation: Relation, materialized: str, sql: str, *,
                catalog: Catalog, incremental_sql: str | None = None, strategy: str = "append",
                unique_key: Sequence[str] = (), full_refresh: bool = False) -> Materialized:
    existing = catalog.kind(relation)
    if full_refresh:
        incremental_sql = None
    statements = plan_statements(relation, materialized, sql, existing=existing,
                                 incremental_sql=incremental_sql, strategy=strategy,
                                 unique_key=unique_key)
    single = len(statements) == 1  # one DDL statement is atomic on its own
    if not single:
        cur.execute("begin transaction")
    try:
        rows = None
        for statement in statements:
            result = cur.execute(statement).fetchall()
            if result and isinstance(result[0][0], int):
                rows = result[0][0]
        if not single:
            cur.execute("commit")
    except BaseException:
        if not single:
            cur.execute("rollback")
        raise
    catalog.record(relation, "view" if materialized == "view" else "table")
    if materialized == "incremental" and incremental_sql is not None and existing:
        total = cur.execute(f"select count(*) from {relation.sql}").fetchall()[0][0]
        return Materialized(relation, materialized, total, f"{rows or 0} new or changed")
    return Materialized(relation, materialized, None if materialized == "view" else rows)
