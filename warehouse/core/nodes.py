"""The project's nodes as frozen values: what the loader produces and the runner consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.core.properties import ColumnProps


@dataclass(frozen=True)
class Refusal:
    """Why a node cannot be built (a construct the engine does not support), located where
    it was written. The load keeps such a node in the project instead of failing whole:
    the node reports this error when it runs, its descendants are skipped, and the rest
    of the project builds."""

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    snippet: str | None = None
    hint: str | None = None

    @classmethod
    def of(cls, error: ProjectError) -> Refusal:
        return cls(error.message, error.path, error.line, error.column, error.snippet,
                   error.hint)

    def error(self) -> ProjectError:
        return ProjectError(self.message, path=self.path, line=self.line, column=self.column,
                            snippet=self.snippet, hint=self.hint)


@dataclass(frozen=True)
class ContractColumn:
    """One column of an enforced contract: its name, its type as written, and its column
    constraints as DDL (`not null`, `check (x > 0)` ...); `line` is its YAML entry."""

    name: str
    data_type: str
    constraints: tuple[str, ...] = ()
    line: int | None = None
    snippet: str | None = None  # that line, for the error that points at it


@dataclass(frozen=True)
class Contract:
    """A model's enforced contract (compile/contracts.py): the columns its query must give,
    in the order the table is created with, and the model-level constraints as DDL.
    `path` is the property file that declares it; `enforce_constraints` is False where
    the relation cannot hold constraints (a view)."""

    columns: tuple[ContractColumn, ...]
    constraints: tuple[str, ...] = ()
    path: str = ""
    line: int | None = None
    enforce_constraints: bool = True


@dataclass(frozen=True)
class ModelNode:
    name: str
    path: str
    template: str
    config: Mapping[str, Any]
    relation: Relation
    refs: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    compiled_sql: str
    description: str = ""
    columns: tuple[ColumnProps, ...] = ()
    sql_columns: tuple[str, ...] = ()
    checksum: str = ""
    # An incremental model's SQL with `is_incremental()` true, compiled and checked at load
    # like `compiled_sql` ("" for other materializations).
    incremental_sql: str = ""
    volatile: tuple[str, ...] = ()  # volatile functions its SQL calls: it always runs
    # Where inlined ephemeral models lie in compiled_sql / incremental_sql: (name, first
    # line, last line, lines of its own SQL stripped above), so a database error there
    # names the ephemeral model's file and line.
    ephemeral_spans: tuple[tuple[str, int, int, int], ...] = ()
    incremental_spans: tuple[tuple[str, int, int, int], ...] = ()
    # What its render read that differs at run time (compile/jinja_context.py's kinds:
    # "execute", "query", "columns" ...): such a model is rendered again just before it
    # runs (compile/runtime_render.py), and `render_inputs` (a digest of its template,
    # the project's macros and vars) stands in its fingerprint for what the load could
    # not render. Empty for a model whose SQL the load knows.
    runtime_kinds: tuple[str, ...] = ()
    render_inputs: str = ""
    contract: Contract | None = None  # an enforced contract, checked before it is built
    refused: Refusal | None = None  # a construct the engine cannot build: the node errors

    @property
    def id(self) -> NodeId:
        return NodeId(NodeKind.MODEL, self.name)

    @property
    def materialized(self) -> str:
        return self.config.get("materialized", "view")

    @property
    def renders_at_run(self) -> bool:
        return bool(self.runtime_kinds)

    @property
    def tags(self) -> frozenset[str]:
        return _tags(self.config)


@dataclass(frozen=True)
class SeedNode:
    name: str
    path: str
    relation: Relation
    column_types: Mapping[str, str]
    config: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    columns: tuple[ColumnProps, ...] = ()
    checksum: str = ""
    # Where each of `column_types` was written: column -> (file, line); the line is None
    # for a folder config of pyproject.toml or dbt_project.yml. A type DuckDB refuses, or a
    # column the CSV lacks, is only found at load time, and is reported there.
    types_declared_in: Mapping[str, tuple[str, int | None]] | None = None
    refused: Refusal | None = None  # a construct the engine cannot build: the node errors

    @property
    def id(self) -> NodeId:
        return NodeId(NodeKind.SEED, self.name)

    @property
    def materialized(self) -> str:
        return "seed"

    @property
    def tags(self) -> frozenset[str]:
        return _tags(self.config)


@dataclass(frozen=True)
class SourceNode:
    source_name: str
    table_name: str
    relation: Relation
    path: str
    description: str = ""
    columns: tuple[ColumnProps, ...] = ()
    # dbt-duckdb's `external_location`: the SQL that reads the source's files (a quoted
    # path or a reader call), written in place of the relation; None for a table.
    external: str | None = None
    line: int | None = None  # the table's entry in its property file

    @property
    def name(self) -> str:
        return f"{self.source_name}.{self.table_name}"

    @property
    def id(self) -> NodeId:
        return NodeId(NodeKind.SOURCE, self.name)

    @property
    def materialized(self) -> None:
        return None

    @property
    def tags(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class TestNode:
    """A data test, generic (from YAML) or singular (a .sql file), with its SQL resolved."""

    name: str
    path: str
    sql: str
    depends_on: tuple[NodeId, ...]
    config: Any  # datatests.TestConfig
    attached_to: str | None = None
    column_name: str | None = None
    test_name: str | None = None  # None for singular tests
    line: int | None = None
    volatile: tuple[str, ...] = ()  # volatile functions its SQL calls: it always runs
    # A singular test whose render read what differs at run time (as ModelNode's): its SQL
    # is rendered again just before it runs (compile/runtime_render.py).
    runtime_kinds: tuple[str, ...] = ()
    # A generic test rendered again at run time: its macro call as JSON (macro name, the
    # arguments as written, the tested relation's SQL), see compile/testbuild.py.
    macro_call: str = ""

    @property
    def id(self) -> NodeId:
        return NodeId(NodeKind.TEST, self.name)

    @property
    def renders_at_run(self) -> bool:
        return bool(self.runtime_kinds)

    @property
    def materialized(self) -> str:
        return "test"

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(getattr(self.config, "tags", ()) or ())


@dataclass(frozen=True)
class Fixture:
    """Rows a unit test gives for one input of its model, or expects from it.

    `rows` are (column, value) pairs as written (`format: dict`, YAML's types) or read
    from CSV text (`format: csv`, text, '' as NULL); `sql` is a query that returns them
    (`format: sql`). For an input: `label` as written (`ref('x')`, `source('s', 't')`,
    `this`), `cte` the name the model's SQL reads it by, `node` the real input, and what
    types it can take when the real relation is not in the warehouse (`typed_sql`: the
    input model's own SQL; `declared`: column types its YAML or seed config declares)."""

    format: str  # "dict" | "csv" | "sql"
    rows: tuple[tuple[tuple[str, Any], ...], ...] = ()
    sql: str = ""
    line: int | None = None
    label: str = ""
    cte: str = ""
    node: NodeId | None = None
    relation: Relation | None = None
    typed_sql: str = ""
    declared: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class UnitTestNode:
    """A unit test (dbt 1.8's `unit_tests:`): the model's SQL with each input read from a
    CTE of given rows, compared with the expected rows. `sql` is the model rendered with
    the test's overrides, reading each input by its fixture's `cte`; the CTEs themselves
    are made when it runs, typed like the inputs in the warehouse (run/unit_run.py)."""

    name: str
    model: str
    path: str
    sql: str
    given: tuple[Fixture, ...]
    expect: Fixture
    config: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None
    description: str = ""
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> NodeId:
        return NodeId(NodeKind.UNIT_TEST, f"{self.model}.{self.name}")

    @property
    def depends_on(self) -> tuple[NodeId, ...]:
        return (NodeId(NodeKind.MODEL, self.model),)

    @property
    def materialized(self) -> str:
        return "unit_test"

    @property
    def tags(self) -> frozenset[str]:
        return _tags(self.config)


@dataclass(frozen=True)
class SnapshotSpec:
    """How a snapshot records history, validated from its config (compile/snapshots.py).

    `unique_key`: SQL expressions over the query's columns (several: a composite key);
    `updated_at`: an expression, None for the check strategy's run time; `check_cols`:
    the columns compared by the check strategy (None: all the query's); `columns`: the
    names of the meta columns (dbt_scd_id ...), renamed by `snapshot_meta_column_names`;
    `valid_to_current`: SQL for a current row's dbt_valid_to instead of NULL."""

    strategy: str  # "timestamp" or "check"
    unique_key: tuple[str, ...]
    updated_at: str | None = None
    check_cols: tuple[str, ...] | None = None
    hard_deletes: str = "ignore"  # "ignore", "invalidate" or "new_record"
    columns: tuple[tuple[str, str], ...] = ()
    valid_to_current: str | None = None

    def column(self, meta: str) -> str:
        """The name of meta column `meta` ("dbt_valid_to" ...) in this snapshot's table."""
        return dict(self.columns).get(meta, meta)


@dataclass(frozen=True)
class SnapshotNode:
    """A snapshot: the history of a query's rows, kept in a table that is never rebuilt.

    Shaped like a ModelNode (name, relation, refs, sources, compiled_sql ...), so what
    lists nodes treats it alike; `template` is its file's text with everything outside
    its own block blanked, so that line numbers are the file's."""

    name: str
    path: str
    template: str
    config: Mapping[str, Any]
    relation: Relation
    refs: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    spec: SnapshotSpec
    compiled_sql: str = ""
    description: str = ""
    columns: tuple[ColumnProps, ...] = ()
    sql_columns: tuple[str, ...] = ()
    checksum: str = ""
    line: int | None = None  # where its block (or YAML entry) begins
    ephemeral_spans: tuple[tuple[str, int, int, int], ...] = ()

    @property
    def id(self) -> NodeId:
        return NodeId(NodeKind.SNAPSHOT, self.name)

    @property
    def materialized(self) -> str:
        return "snapshot"

    @property
    def tags(self) -> frozenset[str]:
        return _tags(self.config)


Node = ModelNode | SeedNode | SourceNode | TestNode | SnapshotNode


def _tags(config: Mapping[str, Any]) -> frozenset[str]:
    tags = config.get("tags") or ()
    return frozenset([tags] if isinstance(tags, str) else tags)
