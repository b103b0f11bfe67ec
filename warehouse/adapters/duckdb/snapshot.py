"""Snapshots on DuckDB: a query's rows kept as type-2 history, the way dbt-duckdb keeps them.

Each run captures the query's rows as they are now. The first run creates
the table: every row with `dbt_valid_from` = its `updated_at` (the check
strategy's is the run's time), `dbt_valid_to` NULL (or the
`dbt_valid_to_current` expression) and `dbt_scd_id` = md5 of the unique key
and `updated_at`, each cast to text, '|'-joined. Later runs compare the
query with the current rows (those whose `dbt_valid_to` is NULL), by key:

* a row whose key is new, or whose current version changed (timestamp: its
  `updated_at` is later than the current version's `dbt_valid_from`; check:
  one of `check_cols` differs, NULLs compared as values; any row when the
  query has a column the table lacks), gets a new version; the changed
  current version is closed with `dbt_valid_to` = the new `updated_at`;
* a key missing from the query (`hard_deletes`): `ignore` keeps its current
  version open; `invalidate` closes it at the run's time; `new_record` closes
  it too and adds a version marked `dbt_is_deleted = 'True'`, itself closed
  when the key comes back.

Those are dbt's rules (dbt-adapters' snapshot macros, dbt-duckdb's
update-then-insert merge); the SQL here is our own. Every change is worked
out from the table as it was before the run (two temp tables: versions to
close, rows to insert), then applied in one transaction, so `now()` is one
instant and a failed run leaves the table as it was. New query columns are
added to the table first; the table is never dropped or rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from warehouse.adapters.base import DatabaseError, Materialized
from warehouse.core.identity import Relation, quote_ident
from warehouse.core.nodes import SnapshotSpec

NOW = "now()::timestamp"  # dbt-duckdb's snapshot_get_time()
_KEY = "__wh_key_"
_UPDATED = "__wh_updated_at"
_SCD = "__wh_scd_id"


def scd_hash(parts: Sequence[str]) -> str:
    """dbt's scd id: md5 of the parts cast to text, NULL as '', joined with '|'."""
    return "md5(" + " || '|' || ".join(f"coalesce(cast({p} as varchar), '')"
                                        for p in parts) + ")"


def snapshot(cur: Any, relation: Relation, sql: str, spec: SnapshotSpec, *,
             existing: str | None) -> Materialized:
    """Capture `sql`'s rows into `relation` (`existing`: what the catalog holds there)."""
    if existing == "view":
        raise DatabaseError(f"{relation} is a view; a snapshot is kept in a table (drop the "
                            "view, or give the snapshot another name)")
    stage = quote_ident(f"__wh_snapshot_{relation.name}")
    cur.execute("begin transaction")
    try:
        # The query starts on the statement's second line (see adapters.base): an error in
        # it is placed in the user's file.
        cur.execute(f"create or replace temp table {stage} as\n{sql.rstrip().rstrip(';')}")
        with _ours():
            if existing is None:
                cur.execute(f"create table {relation.sql} as {first_run(stage, spec)}")
                detail = "first capture"
            else:
                detail = _later_run(cur, relation, stage, spec)
            cur.execute(f"drop table {stage}")
        total = cur.execute(f"select count(*) from {relation.sql}").fetchall()[0][0]
        cur.execute("commit")
    except BaseException:
        cur.execute("rollback")
        raise
    return Materialized(relation, "snapshot", total, detail)


@contextmanager
def _ours() -> Iterator[None]:
    """DuckDB errors in the statements generated here lose their `LINE n`: that line is of
    our SQL, not the user's (the runner would place it in their file). What is left names
    the column at fault, which the runner finds in the snapshot's config."""
    from warehouse.adapters.duckdb.driver import duckdb

    try:
        yield
    except duckdb.Error as exc:
        text = re.split(r"\n\s*LINE \d+:", str(exc))[0].strip()
        raise DatabaseError(f"snapshot: {text}") from exc


def first_run(stage: str, spec: SnapshotSpec) -> str:
    """The table's first rows: the query's, each opened at its `updated_at`."""
    col = _names(spec)
    updated = _updated_at(spec)
    scd = scd_hash([*spec.unique_key, updated])
    deleted = f", 'False' as {col['dbt_is_deleted']}" if spec.hard_deletes == "new_record" else ""
    return (f"select *, {scd} as {col['dbt_scd_id']}, {updated} as {col['dbt_updated_at']}, "
            f"{updated} as {col['dbt_valid_from']}, {_open_valid_to(spec, updated)} as "
            f"{col['dbt_valid_to']}{deleted} from {stage}")


def _later_run(cur: Any, relation: Relation, stage: str, spec: SnapshotSpec) -> str:
    col = _names(spec)
    table = _column_types(cur, relation)
    needed = ["dbt_scd_id", "dbt_valid_from", "dbt_valid_to"]
    needed += ["dbt_is_deleted"] if spec.hard_deletes == "new_record" else []
    missing = [col[m] for m in needed if _unquoted(col[m]).lower() not in table]
    if missing:
        raise DatabaseError(f"{relation} is not a snapshot table: it lacks "
                            f"{', '.join(missing)} (hard_deletes={spec.hard_deletes!r})")
    query = {name: type_ for name, type_, *_ in cur.execute(f"describe {stage}").fetchall()}
    changes = SnapshotChanges(relation, stage, spec, list(query), set(table))
    closes, inserts = (quote_ident(f"__wh_snapshot_{relation.name}_{k}")
                       for k in ("closes", "inserts"))
    cur.execute(f"create or replace temp table {closes} as {changes.closes()}")
    cur.execute(f"create or replace temp table {inserts} as {changes.inserts()}")
    for name, type_ in query.items():  # new query columns, as dbt adds them
        if name.lower() not in table:
            cur.execute(f"alter table {relation.sql} add column {quote_ident(name)} {type_}")
    closed = cur.execute(
        f"update {relation.sql} as t set {col['dbt_valid_to']} = c.valid_to from {closes} as c "
        f"where c.scd_id::text = t.{col['dbt_scd_id']}::text and {changes.current('t')}"
    ).fetchall()[0][0]
    added = cur.execute(f"insert into {relation.sql} by name select * from {inserts}"
                        ).fetchall()[0][0]
    cur.execute(f"drop table {closes}")
    cur.execute(f"drop table {inserts}")
    return f"{added} new, {closed} closed"


class SnapshotChanges:
    """The two queries of a later run, over the table `relation`, the staged query `stage`
    (its columns `query`, in order) and the table's columns `table` (lower case)."""

    def __init__(self, relation: Relation, stage: str, spec: SnapshotSpec,
                 query: list[str], table: set[str]) -> None:
        self.relation, self.stage, self.spec = relation, stage, spec
        self.query, self.table = query, table
        self.col = _names(spec)

    def current(self, alias: str) -> str:
        """Whether a row of the table is its key's current version."""
        valid_to = f"{alias}.{self.col['dbt_valid_to']}"
        if self.spec.valid_to_current:
            return f"({valid_to} = {self.spec.valid_to_current} or {valid_to} is null)"
        return f"{valid_to} is null"

    def _sources(self) -> str:
        keys = [f"{k} as {_KEY}{i}" for i, k in enumerate(self.spec.unique_key, start=1)]
        current_keys = ", ".join(keys)
        updated = _updated_at(self.spec)
        scd = scd_hash([*self.spec.unique_key, updated])
        return (f"with source_data as (select *, {current_keys}, {updated} as {_UPDATED}, "
                f"{scd} as {_SCD} from {self.stage}), "
                f"current_rows as (select *, {current_keys} from {self.relation.sql} as t "
                f"where {self.current('t')})")

    def _join(self) -> str:
        return " and ".join(f"c.{_KEY}{i} = s.{_KEY}{i}"
                            for i in range(1, len(self.spec.unique_key) + 1))

    def _changed(self) -> str:
        if self.spec.strategy == "timestamp":
            changed = f"c.{self.col['dbt_valid_from']} < s.{_UPDATED}"
        else:
            checked = self.spec.check_cols or tuple(self.query)
            known = {name.lower() for name in self.query}
            for name in checked:
                if _unquoted(name).lower() not in known:
                    raise DatabaseError(f'check_cols names "{name}", a column the snapshot\'s '
                                        "query does not return")
            if any(_unquoted(n).lower() not in self.table for n in checked):
                changed = "true"  # a column was added: every current row changes (dbt)
            else:
                changed = " or ".join(f"c.{_q(n)} is distinct from s.{_q(n)}" for n in checked)
        if self.spec.hard_deletes == "new_record":
            changed = f"({changed}) or c.{self.col['dbt_is_deleted']} = 'True'"
        return f"({changed})"

    def _gone(self) -> str:
        """Current versions whose key the query no longer returns (a deletion marker of
        new_record mode is not deleted again)."""
        where = "s.__wh_key_1 is null"
        if self.spec.hard_deletes == "new_record":
            valid_to = f"c.{self.col['dbt_valid_to']}"
            still = (f"{valid_to} = {self.spec.valid_to_current}" if self.spec.valid_to_current
                     else f"{valid_to} is null")
            where += f" and not (c.{self.col['dbt_is_deleted']} = 'True' and {still})"
        return (f"from current_rows as c left join source_data as s on {self._join()} "
                f"where {where}")

    def closes(self) -> str:
        """(scd_id, valid_to) of each current version to close."""
        sql = (f"{self._sources()} select c.{self.col['dbt_scd_id']} as scd_id, "
               f"s.{_UPDATED} as valid_to from source_data as s join current_rows as c "
               f"on {self._join()} where {self._changed()}")
        if self.spec.hard_deletes != "ignore":
            sql += f" union all select c.{self.col['dbt_scd_id']}, {NOW} {self._gone()}"
        return sql

    def inserts(self) -> str:
        """The rows to add: new versions, and new_record's deletion markers."""
        col, spec = self.col, self.spec
        values = ", ".join(f"s.{_q(n)}" for n in self.query)
        deleted = f", 'False' as {col['dbt_is_deleted']}" if spec.hard_deletes == "new_record" \
            else ""
        sql = (f"{self._sources()} select {values}, s.{_UPDATED} as {col['dbt_updated_at']}, "
               f"s.{_UPDATED} as {col['dbt_valid_from']}, "
               f"{_open_valid_to(spec, 's.' + _UPDATED)} as {col['dbt_valid_to']}, "
               f"s.{_SCD} as {col['dbt_scd_id']}{deleted} from source_data as s "
               f"left join current_rows as c on {self._join()} "
               f"where c.{_KEY}1 is null or (c.{_KEY}1 is not null and {self._changed()})")
        if spec.hard_deletes == "new_record":
            kept = ", ".join(f"{'c' if n.lower() in self.table else 's'}.{_q(n)}"
                             for n in self.query)
            marker = scd_hash([f"c.{col['dbt_scd_id']}", NOW])
            sql += (f" union all select {kept}, {NOW}, {NOW}, c.{col['dbt_valid_to']}, "
                    f"{marker}, 'True' {self._gone()}")
        return sql


def _names(spec: SnapshotSpec) -> dict[str, str]:
    """The meta columns' names in the table, quoted."""
    return {meta: quote_ident(spec.column(meta)) for meta in
            ("dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to",
             "dbt_is_deleted")}


def _updated_at(spec: SnapshotSpec) -> str:
    return spec.updated_at if spec.updated_at else NOW


def _open_valid_to(spec: SnapshotSpec, updated: str) -> str:
    """A current version's dbt_valid_to: NULL (or `dbt_valid_to_current`), typed as
    `updated_at` is, as dbt types it."""
    return f"coalesce(nullif({updated}, {updated}), {spec.valid_to_current or 'null'})"


def _q(name: str) -> str:
    return quote_ident(_unquoted(name))


def _unquoted(name: str) -> str:
    name = name.strip()
    if len(name) > 1 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _column_types(cur: Any, relation: Relation) -> dict[str, str]:
    """The table's columns (lower case: DuckDB matches names so) and their types."""
    rows = cur.execute(
        "select column_name, data_type from duckdb_columns() where database_name = "
        "current_database() and lower(schema_name) = lower(?) and lower(table_name) = lower(?) "
        "order by column_index",
        [relation.schema, relation.name]).fetchall()
    return {name.lower(): type_ for name, type_ in rows}
