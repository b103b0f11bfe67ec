"""Materializations: the SQL that turns a model's SELECT into a view or table.

Statement building is pure (`plan_statements`; contracts.py for a table with
an enforced contract); `materialize` runs the plan on a DuckDB cursor inside
one transaction, so a model that fails leaves the relation as it was. An
incremental model's step is schema_change.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from warehouse.adapters.base import Materialized
from warehouse.core.identity import Relation

if TYPE_CHECKING:
    from warehouse.core.nodes import Contract



class Catalog:
    """The relations in the database, read once per run and kept current as models build.

    One catalog query per run instead of one per model: the lookup was a
    visible share of the engine's overhead on large projects.
    """

    def __init__(self, cur: Any, kinds: Mapping[tuple[str, str], str] | None = None) -> None:
        import threading

        from warehouse.adapters.duckdb.state import read_kinds

        self._kinds = dict(read_kinds(cur) if kinds is None else kinds)
        self._lock = threading.Lock()
        self._undo: list[tuple[tuple[str, str], str | None]] | None = None

    def begin_undo(self) -> None:
        """Remember what `record` changes from now on, for `undo` (a rolled-back group)."""
        with self._lock:
            self._undo = []

    def undo(self) -> None:
        """The kinds as they were at `begin_undo`: the group's transaction was rolled back."""
        with self._lock:
            undo, self._undo = self._undo or [], None
            for key, kind in reversed(undo):
                if kind is None:
                    self._kinds.pop(key, None)
                else:
                    self._kinds[key] = kind

    def keep(self) -> None:
        """The group committed: nothing to undo."""
        with self._lock:
            self._undo = None

    def relations(self) -> frozenset[tuple[str, str]]:
        """Every relation present now, as (schema, name) in lower case."""
        with self._lock:
            return frozenset(self._kinds)

    def kind(self, relation: Relation) -> str | None:
        """'table', 'view' or None."""
        with self._lock:
            return self._kinds.get((relation.schema.lower(), relation.name.lower()))

    def record(self, relation: Relation, kind: str | None) -> None:
        with self._lock:
            key = (relation.schema.lower(), relation.name.lower())
            if self._undo is not None:
                self._undo.append((key, self._kinds.get(key)))
            if kind is None:
                self._kinds.pop(key, None)
            else:
                self._kinds[key] = kind


def plan_statements(relation: Relation, materialized: str, sql: str, *,
                    existing: str | None) -> list[str]:
    """Statements that build a view or table (an incremental model's first build, or a full
    refresh, is a table), in order; the last one's count is the row count reported."""
    # Leading lines are kept: the SELECT starts on the statement's second line, so
    # DuckDB's `LINE n` is line n-1 of the compiled SQL (see run.node_errors).
    body = sql.rstrip().rstrip(";")
    target = relation.sql
    pre: list[str] = []  # the runner creates schemas up front
    drop_other = {"view": "table", "table": "view", "incremental": "view"}.get(materialized)
    if existing and existing == drop_other:
        pre.append(f"drop {existing} {target}")
    if materialized == "view":
        return [*pre, f"create or replace view {target} as\n{body}"]
    return [*pre, f"create or replace table {target} as\n{body}"]


def materialize(cur: Any, relation: Relation, materialized: str, sql: str, *,
                catalog: Catalog, incremental_sql: str | None = None, strategy: str = "append",
                unique_key: Sequence[str] = (), full_refresh: bool = False,
                contract: Contract | None = None, on_schema_change: str = "ignore",
                in_group: bool = False) -> Materialized:
    """Build the model (see adapters/base.py Session.materialize). A contract is checked
    before anything is written; an incremental step goes through schema_change.py.
    `in_group`: the cursor is in a transaction already (a commit group, run/commits.py),
    whose rollback undoes the model with the rest of its group."""
    from warehouse.adapters.duckdb.contracts import check_contract, contract_table_statements

    existing = catalog.kind(relation)
    if full_refresh:
        incremental_sql = None
    step = materialized == "incremental" and incremental_sql is not None and existing == "table"
    if contract is not None:
        check_contract(cur, incremental_sql if step and incremental_sql else sql, contract)
    if step:
        from warehouse.adapters.duckdb.schema_change import incremental_step

        rows = _in_transaction(cur, lambda: incremental_step(
            cur, relation, incremental_sql or "", strategy=strategy, unique_key=unique_key,
            on_schema_change=on_schema_change), single=in_group)
        total = cur.execute(f"select count(*) from {relation.sql}").fetchall()[0][0]
        return Materialized(relation, materialized, total, f"{rows or 0} new or changed")
    statements = plan_statements(relation, materialized, sql, existing=existing)
    if contract is not None and materialized != "view":
        statements = statements[:-1] + contract_table_statements(relation, sql, contract)
    rows = _in_transaction(cur, lambda: _run(cur, statements),
                           single=len(statements) == 1 or in_group)
    catalog.record(relation, "view" if materialized == "view" else "table")
    return Materialized(relation, materialized, None if materialized == "view" else rows)


def _run(cur: Any, statements: Sequence[str]) -> int | None:
    """Run the statements in order; the last count any of them returned."""
    rows = None
    for statement in statements:
        result = cur.execute(statement).fetchall()
        if result and isinstance(result[0][0], int):
            rows = result[0][0]
    return rows


def _in_transaction(cur: Any, work: Callable[[], Any], *, single: bool = False) -> Any:
    """`work()` in one transaction (one DDL statement is atomic on its own): a model that
    fails leaves its relation as it was."""
    if single:
        return work()
    cur.execute("begin transaction")
    try:
        result = work()
        cur.execute("commit")
    except BaseException:
        cur.execute("rollback")
        raise
    return result
