"""An incremental model's step: the new rows merged into its table, and the table's columns
reconciled with the query's as dbt's `on_schema_change` says.

dbt-duckdb's incremental materialization, step by step: the query's rows go
to a temporary table; its columns are compared with the target's (by name,
and by type as DuckDB spells it); then

* `ignore`: nothing changes; the rows are written into the target's columns
  (a column the query no longer gives is an error, a new one is left out);
* `append_new_columns`: each new column is added at the end of the table
  (its old rows NULL); a column the query dropped stays, NULL in new rows;
* `sync_all_columns`: new columns are added, dropped ones dropped, and a
  column whose type changed is rebuilt the way dbt does it (a new column of
  the new type, the old values cast into it, the old column dropped, the new
  one renamed): it therefore moves to the end of the table;
* `fail`: any difference stops the step (SchemaChanged), nothing written.

The rows are then written with the strategy (append, merge on the unique key,
delete+insert), naming the columns, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warehouse.adapters.base import SchemaChanged
from warehouse.core.identity import Relation, quote_ident

STAGE_PREFIX = "__warehouse_incoming_"


def incremental_step(cur: Any, relation: Relation, incoming: str, *, strategy: str,
                     unique_key: Sequence[str], on_schema_change: str) -> int | None:
    """Write the incremental query's rows into `relation` (which exists as a table), after
    reconciling its columns; the rows the strategy wrote, as DuckDB counts them."""
    stage = quote_ident(STAGE_PREFIX + relation.name)  # a temp table: this connection's
    body = incoming.rstrip().rstrip(";")
    cur.execute(f"create or replace temp table {stage} as\n{body}").fetchall()
    source = described(cur, stage)
    target = described(cur, relation.sql)
    if on_schema_change in ("append_new_columns", "sync_all_columns", "fail"):
        added, removed, retyped = column_changes(source, target)
        if on_schema_change == "fail" and (added or removed or retyped):
            raise SchemaChanged(added, removed, retyped)
        for statement in sync_statements(relation, on_schema_change, added, removed, retyped):
            cur.execute(statement).fetchall()
        dest = [name for name, _ in source]
    else:
        dest = [name for name, _ in target]
    rows = None
    for statement in write_statements(relation, stage, dest, strategy, unique_key):
        result = cur.execute(statement).fetchall()
        if result and isinstance(result[0][0], int):
            rows = result[0][0]
    cur.execute(f"drop table if exists {stage}").fetchall()
    return rows


def described(cur: Any, name: str) -> list[tuple[str, str]]:
    """(name, type) of each column of the table or view `name` (SQL text), in order."""
    return [(str(row[0]), str(row[1])) for row in cur.execute(f"describe {name}").fetchall()]


def column_changes(source: Sequence[tuple[str, str]], target: Sequence[tuple[str, str]]
                   ) -> tuple[list[tuple[str, str]], list[str], list[tuple[str, str, str]]]:
    """Columns of the query not in the table (name, type), columns of the table not in the
    query (names), and columns in both whose type differs (name, old, new). Names match
    as DuckDB matches them, whatever their case."""
    old = {name.lower(): (name, kind) for name, kind in target}
    new = {name.lower(): (name, kind) for name, kind in source}
    added = [(name, kind) for name, kind in source if name.lower() not in old]
    removed = [name for name, _ in target if name.lower() not in new]
    retyped = [(old[key][0], old[key][1], kind) for key, (_name, kind) in new.items()
               if key in old and old[key][1] != kind]
    return added, removed, retyped


def sync_statements(relation: Relation, mode: str, added: Sequence[tuple[str, str]],
                    removed: Sequence[str], retyped: Sequence[tuple[str, str, str]]
                    ) -> list[str]:
    """The ALTERs that bring the table to the query's columns, in dbt's order."""
    target = relation.sql
    out = [f"alter table {target} add column {quote_ident(name)} {kind}"
           for name, kind in added]
    if mode != "sync_all_columns":
        return out
    out += [f"alter table {target} drop column {quote_ident(name)}" for name in removed]
    for name, _old, kind in retyped:
        temporary = quote_ident(name + "__dbt_alter")
        out += [f"alter table {target} add column {temporary} {kind}",
                f"update {target} set {temporary} = {quote_ident(name)}",
                f"alter table {target} drop column {quote_ident(name)}",
                f"alter table {target} rename column {temporary} to {quote_ident(name)}"]
    return out


def write_statements(relation: Relation, stage: str, columns: Sequence[str], strategy: str,
                     unique_key: Sequence[str]) -> list[str]:
    """Append, merge or delete+insert the staged rows into `columns` of the table."""
    target = relation.sql
    names = ", ".join(quote_ident(c) for c in columns)
    insert = f"insert into {target} ({names}) select {names} from {stage}"
    if strategy == "append":
        return [insert]
    match = " and ".join(f"t.{quote_ident(k)} is not distinct from s.{quote_ident(k)}"
                         for k in unique_key)
    if strategy == "merge":
        updates = ", ".join(f"{quote_ident(c)} = s.{quote_ident(c)}" for c in columns)
        values = ", ".join(f"s.{quote_ident(c)}" for c in columns)
        return [f"merge into {target} as t using {stage} as s on ({match}) "
                f"when matched then update set {updates} "
                f"when not matched then insert ({names}) values ({values})"]
    return [f"delete from {target} as t where exists (select 1 from {stage} as s "
            f"where {match})", insert]
