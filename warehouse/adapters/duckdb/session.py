"""A session of a DuckDB file: one connection (or a cursor of one) and what the engine
asks of it, behind `warehouse.adapters.base`'s protocol.

Every DuckDB error comes out as `DatabaseError` with DuckDB's own message. The
session notes which statements wrote (a build's spare file needs to know) and
how long DuckDB was busy; its cursors share one read of the relation catalog.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.adapters.base import (
    DatabaseError,
    FailingRows,
    Materialized,
    NodeState,
    RelationKey,
    StoredState,
)
from warehouse.core.identity import Relation, quote_ident, sql_literal

if TYPE_CHECKING:
    from warehouse.core.nodes import Contract
from warehouse.core.nodes import SnapshotSpec

# A statement that only reads: one query, none of the words of one that writes (a column
# named `update` only costs the next build its spare, see DuckDBSession._note).
_READS = re.compile(r"\s*(select|with|from|describe|values|\()", re.IGNORECASE)
_WRITES = re.compile(r"\b(insert|update|delete|create|drop|alter|copy|attach|detach|install|"
                     r"load|set|call|pragma|checkpoint|vacuum|export|import|merge|truncate|"
                     r"grant|revoke|comment|nextval|use)\b", re.IGNORECASE)


@contextmanager
def _translated():
    """DuckDB's exceptions as the protocol's DatabaseError, with the same text."""
    from warehouse.adapters.duckdb.driver import duckdb

    try:
        yield
    except duckdb.Error as exc:
        raise DatabaseError(str(exc)) from exc


def work_session(con: Any) -> DuckDBSession:
    """The session of a build's work file, which commits without waiting for the disk.

    By default each commit waits for an fsync (DuckDB's fsync_mode): an eighth of the
    worker's time in a cold build of 500 models, one commit per model. The
    work file needs none of them. Nobody reads it before it is published, a build that
    dies leaves it to be removed (workcopy.remove_leftovers), and `WorkingCopy.publish`
    fsyncs the whole file, whatever wrote it, before renaming it over the published one.
    """
    with _translated():
        con.execute("set fsync_mode = 'none'").fetchall()  # this database only, not saved
    return DuckDBSession(con)


class DuckDBSession:
    """A DuckDB connection, or a cursor of one. A connection's cursors share its relation
    catalog, read once on first use (one query a run, not one a model)."""

    def __init__(self, con: Any, catalog: Any = None, writes: list[str] | None = None,
                 busy: list[float] | None = None) -> None:
        self.con = con
        self.signatures_taken: dict[Relation, str | None] = {}  # for the state stamp
        self._catalog = catalog
        # What this session (and its cursors) ran that a re-run of its nodes may not give
        # back: a build that ran any leaves no spare (see spare.py).
        self._writes = writes if writes is not None else []
        self._busy = busy if busy is not None else []  # seconds spent building, per node
        self._known_state: StoredState | None = None
        self._grouped = False  # in a commit group's transaction (run/commits.py)
        self.states_written: list[Any] = []  # what each write_state changed (see state.py)
        # A connection (not a cursor) guards its catalog and the cursors worker threads
        # take from it: they are made on the connection itself, one thread at a time.
        self._lock = threading.Lock() if catalog is None else None

    def cursor(self) -> DuckDBSession:
        self._known_state = None
        if self._lock is None:
            return DuckDBSession(self.con.cursor(), self._catalog, self._writes, self._busy)
        with self._lock:
            return DuckDBSession(self.con.cursor(), self._read_catalog(), self._writes,
                                 self._busy)

    def close(self) -> None:
        self.con.close()

    @property
    def unrepeatable(self) -> bool:
        return bool(self._writes)

    @property
    def busy_seconds(self) -> float:
        """Time spent loading seeds, building models and running tests, this session and
        its cursors together: what running the same nodes again would cost."""
        return sum(self._busy)

    @contextmanager
    def _building(self) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self._busy.append(time.perf_counter() - began)  # (append: thread-safe)

    def _note(self, what: str, sql: str | None = None) -> None:
        """Remember a write a re-run may not give back: `what`, or `sql` unless it reads
        (called before every statement but the session's own reads: the state known is
        forgotten)."""
        self._known_state = None
        if sql is not None:
            body = sql.strip().rstrip(";")
            if ";" not in body and _READS.match(body) and not _WRITES.search(body):
                return
            what = f"{what}: {body[:60]}"
        self._writes.append(what)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._note("statement", sql)
        return self._execute(sql, params)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._known_state = None
        with _translated():
            return self.con.execute(sql, list(params)).fetchall()

    def query(self, sql: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        self._note("query", sql)
        with _translated():
            result = self.con.execute(sql)
            rows = result.fetchall()
            return tuple(d[0] for d in result.description or ()), rows

    # ------------------------------------------------------------------ catalog

    def _read_catalog(self) -> Any:
        """The relations present, read on first use and kept current as models build."""
        if self._catalog is None:
            from warehouse.adapters.duckdb.materialize import Catalog

            self._catalog = Catalog(self.con)
        return self._catalog

    def read_kinds(self) -> dict[tuple[str, str], str]:
        """The relations present (state.read_kinds), read now; the session's catalog
        starts from them if it has not been read yet (one query, not two)."""
        from warehouse.adapters.duckdb.materialize import Catalog
        from warehouse.adapters.duckdb.state import read_kinds

        with _translated():
            kinds = read_kinds(self.con)
        if self._catalog is None:
            self._catalog = Catalog(None, kinds)
        return kinds

    def relations_built(self) -> frozenset[tuple[str, str]]:
        """The relations present as the catalog knows them: read once, then kept current by
        every relation the engine's own statements make. What a statement from outside
        (a hook, a macro) does is not in it: see `unrepeatable`."""
        return self._shared_catalog().relations()

    def _shared_catalog(self) -> Any:
        if self._lock is None:
            return self._catalog
        with self._lock:
            return self._read_catalog()

    def relation_kind(self, relation: Relation) -> str | None:
        return self._shared_catalog().kind(relation)

    def columns(self) -> dict[RelationKey, list[tuple[str, str]]]:
        out: dict[RelationKey, list[tuple[str, str]]] = {}
        for schema, table, column, data_type in self._execute(
                "select table_schema, table_name, column_name, data_type "
                "from information_schema.columns where table_catalog = current_database() "
                "order by table_schema, table_name, ordinal_position"):
            out.setdefault((schema.lower(), table.lower()), []).append((column, data_type))
        return out

    def columns_of(self, relation: Relation) -> list[tuple[str, str]] | None:
        """From the catalog, matched without regard to case as DuckDB matches names; the
        types as DESCRIBE (and dbt-duckdb) spell them."""
        rows = self._execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and lower(table_schema) = lower(?) "
            "and lower(table_name) = lower(?) order by ordinal_position",
            [relation.schema, relation.name])
        return [(str(name), str(dtype)) for name, dtype in rows] or None

    def row_counts(self) -> dict[RelationKey, int]:
        return {(schema.lower(), table.lower()): int(size) for schema, table, size in self._execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where database_name = current_database()") if size is not None}

    def data_signatures(self, relations: Iterable[Relation]) -> dict[Relation, str | None]:
        from warehouse.adapters.duckdb.state import data_signatures

        found = data_signatures(self.con, relations)
        self.signatures_taken.update(found)
        return found

    # ------------------------------------------------------------------ building

    def create_schemas(self, schemas: Iterable[str]) -> None:
        """Up front and one by one: concurrent CREATE SCHEMA in parallel transactions
        conflict in DuckDB."""
        for schema in sorted(set(schemas)):
            self._execute(f"create schema if not exists {quote_ident(schema)}")

    def load_seed(self, csv_path: Path, relation: Relation,
                  column_types: Mapping[str, str] | None, *, display_path: str,
                  types_declared_in: Mapping[str, tuple[str, int | None]] | None = None,
                  dbt_types: bool = False) -> int:
        from warehouse.adapters.duckdb.seeds import load_seed

        self._known_state = None
        with self._building():
            rows = load_seed(self.con, csv_path, relation, column_types,
                             display_path=display_path, types_declared_in=types_declared_in,
                             dbt_types=dbt_types)
        self._shared_catalog().record(relation, "table")
        return rows

    def materialize(self, relation: Relation, materialized: str, sql: str, *,
                    incremental_sql: str | None = None, strategy: str = "append",
                    unique_key: Sequence[str] = (), full_refresh: bool = False,
                    contract: Contract | None = None, on_schema_change: str = "ignore"
                    ) -> Materialized:
        from warehouse.adapters.duckdb.materialize import materialize

        self._known_state = None
        if materialized not in ("table", "view") or incremental_sql is not None:
            self._note(f"{materialized} {relation}")  # history a re-run cannot give back
        with _translated(), self._building():
            return materialize(self.con, relation, materialized, sql,
                               catalog=self._shared_catalog(), incremental_sql=incremental_sql,
                               strategy=strategy, unique_key=unique_key,
                               full_refresh=full_refresh, contract=contract,
                               on_schema_change=on_schema_change, in_group=self._grouped)

    def snapshot(self, relation: Relation, sql: str, spec: SnapshotSpec) -> Materialized:
        from warehouse.adapters.duckdb.snapshot import snapshot

        catalog = self._shared_catalog()
        self._note(f"snapshot {relation}")
        with _translated():
            done = snapshot(self.con, relation, sql, spec, existing=catalog.kind(relation))
        catalog.record(relation, "table")
        return done

    def test_counts(self, queries: Sequence[str]) -> list[int]:
        """The row count of each test query, in one query (run/testbatch.py)."""
        from warehouse.adapters.duckdb.failing import test_counts

        with _translated(), self._building():
            return test_counts(self.con, queries)

    def failing_rows(self, sql: str, *, limit: int | None = None, sample_size: int = 5,
                     store_as: Relation | None = None) -> FailingRows:
        """See adapters/duckdb/failing.py."""
        from warehouse.adapters.duckdb.failing import failing_rows

        self._known_state = None
        with _translated(), self._building():
            return failing_rows(self.con, sql, self._shared_catalog(), limit=limit,
                                sample_size=sample_size, store_as=store_as)

    # ------------------------------------------------------------------ commit groups

    def begin_group(self) -> None:
        """One transaction for the nodes run next on this cursor, committed together
        (run/commits.py): a commit costs more than a small model's own work."""
        with _translated():
            self.con.execute("begin transaction").fetchall()
        self._shared_catalog().begin_undo()
        self._grouped = True

    def commit_group(self) -> None:
        self._grouped = False
        with _translated():
            self.con.execute("commit").fetchall()
        self._shared_catalog().keep()

    def rollback_group(self) -> None:
        """Undo the group (after a failure, or a refused commit); the cursor is usable
        again, in autocommit."""
        self._grouped = False
        self._shared_catalog().undo()
        with _translated():
            try:
                self.con.execute("rollback").fetchall()
            except Exception as exc:  # a refused commit ended the transaction already
                if "no transaction is active" not in str(exc).lower():
                    raise

    # ------------------------------------------------------------------ state

    def known_state(self, state: StoredState) -> None:
        """The state just read by the workspace: the next read_state() returns it unless a
        statement or a cursor came first (it is read again then)."""
        self._known_state = state

    def read_state(self) -> StoredState:
        from warehouse.adapters.duckdb.state import read_state

        known, self._known_state = self._known_state, None
        if known is not None:
            return known
        kinds = self.read_kinds()
        with _translated():
            return read_state(self.con, kinds)

    def write_state(self, states: Iterable[NodeState], keep: Iterable[str]) -> None:
        from warehouse.adapters.duckdb.state import write_state

        self._known_state = None
        with _translated():  # what it changed: the workspace's state stamp needs no re-read
            self.states_written.append(write_state(self.con, states, keep))

    # ------------------------------------------------------------------ serving

    def export_parquet(self, relation: Relation, path: Path) -> int:
        rows = self._execute(f"copy (select * from {relation.sql}) to {sql_literal(path)} "
                            "(format parquet)")
        return int(rows[0][0]) if rows and rows[0] else 0

    def arrow_batches(self, sql: str, batch_rows: int) -> Any:
        # The relation API is the package's Python layer (adapters/duckdb/driver.py): its
        # import adds `sql` and the rest to the connection's class.
        import duckdb  # noqa: F401

        with _translated():
            return self.con.sql(sql).to_arrow_reader(batch_rows)
