"""A session on the Spark warehouse: `warehouse.adapters.base.Session` over Spark SQL.

Statements a caller hands in are DuckDB SQL, transpiled by `transpile` (located
refusals for what does not transpile); the session's own are Spark SQL. A
session reads the published names (`build` None) or a build's versions, where
that build wrote them (versions.py); the adapter that opens it is adapter.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
from warehouse.adapters.spark.materialize import q as _q
from warehouse.adapters.spark.settings import SparkSettings
from warehouse.adapters.spark.transpile import located, spark_error_line, to_spark, to_spark_one
from warehouse.adapters.spark.versions import data_database
from warehouse.core.identity import Relation
from warehouse.core.nodes import SnapshotSpec

if TYPE_CHECKING:
    from warehouse.adapters.spark.build import BuildVersions, Listing
    from warehouse.core.nodes import Contract

_COUNT_COLUMN = "__warehouse_failures"
_STATE = ("_warehouse", "node_state")


class SparkWarehouseSession:
    """The process's Spark session seen through the protocol; cursors share it (Spark runs
    statements from several threads at once)."""

    def __init__(self, settings: SparkSettings, spark: Any,
                 build: BuildVersions | None = None) -> None:
        import threading

        self.settings = settings
        self.spark = spark
        self.build = build  # None: the published names, read only
        # The relations published, listed once (metastore calls are slow); what the build
        # writes is in `build`: one listing a run, not one lookup a model.
        self._listing: Listing | None = None
        self._lock = threading.Lock()
        self._made: set[str] = set()  # databases this session created or found

    def cursor(self) -> SparkWarehouseSession:
        return self

    def close(self) -> None:
        return None

    # ------------------------------------------------------------------ running SQL

    def _rename(self, schema: str) -> str:
        return self.settings.database(schema)

    def _columns(self, schema: str, name: str) -> list[tuple[str, str]] | None:
        return self.columns_of(Relation(schema, name))

    def published_target(self, relation: Relation) -> str:
        return f"{_q(self.settings.database(relation.schema))}.{_q(relation.name.lower())}"

    def target(self, relation: Relation) -> str:
        """Where `relation` is read now: this build's version, else its published name."""
        made = self.build.get(relation) if self.build is not None else None
        return made.physical if made is not None else self.published_target(relation)

    def _relocate(self, schema: str, name: str) -> tuple[str, str] | None:
        made = self.build.get_key(schema, name) if self.build is not None else None
        if made is None:
            return None
        database, table = made.physical.split("`.`")
        return database[1:].replace("``", "`"), table[:-1].replace("``", "`")

    def _spark(self, sql: str) -> str:
        """A query of the project's DuckDB SQL as Spark SQL over what this session sees."""
        return to_spark_one(sql, self._rename, self._columns, self._relocate)

    def published_sql(self, sql: str) -> str:
        """The same query over the published names (a view published by the build)."""
        return to_spark_one(sql, self._rename, self._columns)

    def run(self, statement: str) -> list[tuple[Any, ...]]:
        """One Spark SQL statement (the adapter's own); its rows."""
        return [tuple(r) for r in self._frame(statement, statement).collect()]

    def _frame(self, spark_sql: str, source: str) -> Any:
        """Spark's DataFrame of `spark_sql`; an error is a DatabaseError located in the
        DuckDB `source` it was transpiled from."""
        from pyspark.errors import PySparkException

        try:
            return self.spark.sql(spark_sql)
        except PySparkException as exc:
            raise self._error(exc, source) from None

    def _error(self, exc: Exception, source: str) -> DatabaseError:
        message = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()),
                       type(exc).__name__)
        contexts = getattr(exc, "getQueryContext", lambda: [])() or []
        fragments = [c.fragment() for c in contexts if hasattr(c, "fragment")]
        line = spark_error_line(message, source, fragments)
        return DatabaseError(located(f"Spark: {message}", source, line))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if params:
            sql = _bind(sql, params)
        rows: list[tuple[Any, ...]] = []
        for statement in to_spark(sql, self._rename, self._columns, self._relocate):
            rows = [tuple(r) for r in self._collect(statement, sql)]
        return rows

    def _collect(self, spark_sql: str, source: str) -> list[Any]:
        from pyspark.errors import PySparkException

        frame = self._frame(spark_sql, source)
        try:
            return frame.collect()
        except PySparkException as exc:
            raise self._error(exc, source) from None

    def query(self, sql: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        from warehouse.adapters.spark.transpile import duckdb_described

        statement = self._spark(sql)
        frame = self._frame(statement, sql)
        rows = self._collect_frame(frame, sql)
        if statement.startswith("DESCRIBE QUERY "):  # types as DuckDB names them
            rows = duckdb_described(rows)
        return tuple(frame.columns), rows

    def _collect_frame(self, frame: Any, source: str) -> list[tuple[Any, ...]]:
        from pyspark.errors import PySparkException

        try:
            return [tuple(r) for r in frame.collect()]
        except PySparkException as exc:
            raise self._error(exc, source) from None

    # ------------------------------------------------------------------ catalog

    def listing(self) -> Listing:
        """The published relations and the physical versions (listed once a session)."""
        from warehouse.adapters.spark.build import list_catalog

        with self._lock:
            if self._listing is None:
                self._listing = list_catalog(self.run, self.settings.database_prefix)
            return self._listing

    def forget_listing(self) -> None:
        with self._lock:
            self._listing = None

    def _tables(self) -> dict[RelationKey, str]:
        """Every relation this session sees, and its kind."""
        listing = self.listing()
        out = {key: listing.kind(key) or "table" for key in listing.published}
        if self.build is not None:
            out.update({(m.relation.schema.lower(), m.relation.name.lower()): m.kind
                        for m in self.build.made()})
        return out

    def relation_kind(self, relation: Relation) -> str | None:
        made = self.build.get(relation) if self.build is not None else None
        if made is not None:
            return made.kind
        return self.listing().kind((relation.schema.lower(), relation.name.lower()))

    def columns(self) -> dict[RelationKey, list[tuple[str, str]]]:
        return {key: self.columns_of(Relation(*key)) or [] for key in self._tables()}

    def columns_of(self, relation: Relation) -> list[tuple[str, str]] | None:
        if self.relation_kind(relation) is None:
            return None
        return self._described(self.target(relation))

    def _described(self, target: str) -> list[tuple[str, str]]:
        frame = self._frame(f"select * from {target} limit 0", target)
        return [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]

    def row_counts(self) -> dict[RelationKey, int]:
        return {key: int(self.run(f"select count(*) from {self.target(Relation(*key))}")[0][0])
                for key, kind in self._tables().items() if kind == "table"}

    def data_signatures(self, relations: Iterable[Relation]) -> dict[Relation, str | None]:
        from warehouse.adapters.spark.state import data_signature

        return {r: data_signature(self.run, self._described, self.target(r))
                if self.relation_kind(r) is not None else None for r in relations}

    # ------------------------------------------------------------------ building

    def create_schemas(self, schemas: Iterable[str]) -> None:
        for schema in sorted(set(schemas)):
            database = self.settings.database(schema)
            if database in self._made:
                continue
            self._made.add(database)
            for name in (database, data_database(database)):
                where = (self.settings.warehouse_path / f"{name}.db").as_uri()
                self.run(f"create database if not exists {_q(name)} location '{where}'")

    def load_seed(self, csv_path: Path, relation: Relation,
                  column_types: Mapping[str, str] | None, *, display_path: str,
                  types_declared_in: Mapping[str, tuple[str, int | None]] | None = None,
                  dbt_types: bool = False) -> int:
        """`dbt_types` is not honoured on Spark: undeclared columns get DuckDB's inferred
        types (seeds.py), for dbt projects too (README, Building on Spark)."""
        from warehouse.adapters.spark.seeds import load_seed

        self.create_schemas([relation.schema])
        target = self._new_target(relation)
        rows, _ = load_seed(self.spark, csv_path, target, column_types, shown=display_path)
        self._built(relation, target, "table")
        return rows

    def _new_target(self, relation: Relation) -> str:
        """Where this build writes `relation` (a name no reader uses: see versions.py)."""
        if self.build is None:
            raise DatabaseError("the published Spark warehouse is read only: build in a "
                                "workspace")
        return self.build.new_target(self.settings.database(relation.schema), relation)

    def _built(self, relation: Relation, target: str, kind: str, sql: str = "") -> None:
        from warehouse.adapters.spark.build import Made

        assert self.build is not None
        self.build.add(Made(relation, target, kind, sql))

    def materialize(self, relation: Relation, materialized: str, sql: str, *,
                    incremental_sql: str | None = None, strategy: str = "append",
                    unique_key: Sequence[str] = (), full_refresh: bool = False,
                    contract: Contract | None = None, on_schema_change: str = "ignore"
                    ) -> Materialized:
        from warehouse.adapters.spark.materialize import materialize

        if contract is not None:
            raise DatabaseError("enforced contracts are not supported on the Spark target yet")
        select = self._spark(sql)
        step = None if full_refresh or incremental_sql is None else self._spark(incremental_sql)
        source = incremental_sql if step is not None else sql
        current = self.target(relation) if self.relation_kind(relation) == "table" else None
        target = self._new_target(relation)
        done = materialize(lambda s: [tuple(r) for r in self._collect(s, source)],
                           self._described, relation, target, materialized, select,
                           current=current, incremental_select=step, strategy=strategy,
                           unique_key=unique_key, on_schema_change=on_schema_change)
        view = materialized == "view"
        self._built(relation, target, "view" if view else "table", sql if view else "")
        return done

    def snapshot(self, relation: Relation, sql: str, spec: SnapshotSpec) -> Materialized:
        raise DatabaseError("snapshots are not supported on the Spark target yet")

    def test_counts(self, queries: Sequence[str]) -> list[int]:
        """The row count of each test query, in one Spark job (run/testbatch.py): a job's
        fixed cost (planning, scheduling, the metastore) is most of a small test's."""
        counts = "\nunion all\n".join(
            f"select {i} as test_index, count(*) as failures from (\n{sql}\n) as failing_{i}"
            for i, sql in enumerate(queries))
        found = dict(self.execute(counts))
        return [int(found[i]) for i in range(len(queries))]

    def failing_rows(self, sql: str, *, limit: int | None = None, sample_size: int = 5,
                     store_as: Relation | None = None) -> FailingRows:
        from warehouse.adapters.spark.materialize import write_table

        select = self._spark(sql)
        if store_as is not None:
            self.create_schemas([store_as.schema])
            target = self._new_target(store_as)
            write_table(lambda s: [tuple(r) for r in self._collect(s, sql)], target, select)
            self._built(store_as, target, "table")
            source = target
        else:
            source = f"(\n{select}\n) as failing_rows"
        if limit is not None:
            source = f"(select * from {source} limit {limit}) as limited_rows"
        frame = self._frame(f"select count(*) over () as {_COUNT_COLUMN}, * from {source} "
                            f"limit {max(1, sample_size)}", sql)
        fetched = self._collect_frame(frame, sql)
        if not fetched:
            return FailingRows(0)
        columns = tuple(frame.columns[1:])
        return FailingRows(int(fetched[0][0]), columns, tuple(r[1:] for r in fetched))

    # ------------------------------------------------------------------ state

    def read_state(self) -> StoredState:
        from warehouse.adapters.spark.state import read_nodes

        tables = self._tables()
        relations = frozenset(k for k in tables if k[0] != "_warehouse")
        if _STATE not in tables:
            return StoredState(relations=relations, exists=False)
        return StoredState(read_nodes(self.spark, self.target(Relation(*_STATE))), relations,
                           exists=True)

    def write_state(self, states: Iterable[NodeState], keep: Iterable[str]) -> None:
        from warehouse.adapters.spark.state import write_nodes

        state = Relation(*_STATE)
        self.create_schemas([state.schema])
        current = self.target(state) if self.relation_kind(state) == "table" else None
        target = self._new_target(state)
        write_nodes(self.spark, self.run, target, current, states, keep)
        self._built(state, target, "table")

    # ------------------------------------------------------------------ serving

    def export_parquet(self, relation: Relation, path: Path) -> int:
        import pyarrow.parquet as pq

        table = self._frame(f"select * from {self.target(relation)}", str(relation)).toArrow()
        pq.write_table(table, str(path))
        return table.num_rows

    def arrow_batches(self, sql: str, batch_rows: int) -> Any:
        import pyarrow as pa

        table = self._frame(self._spark(sql), sql).toArrow()
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(batch_rows))


def _bind(sql: str, params: Sequence[Any]) -> str:
    """`?` placeholders replaced by literals (the engine passes names and numbers only)."""
    from warehouse.core.identity import sql_literal

    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise DatabaseError("parameter count does not match the statement's placeholders")
    out = parts[0]
    for value, rest in zip(params, parts[1:], strict=True):
        literal = str(value) if isinstance(value, (int, float)) else sql_literal(value)
        out += literal + rest
    return out
