"""The adapter protocol: everything the engine asks of a database, and the values that cross.

The layers above never hold a driver's connection: they hold an `Adapter`
(one target: where the published warehouse lives) and the `Session`s it
opens. A build works in a `Workspace` (write-audit-publish: readers of the
published warehouse never see it half-built), and what the build stored
about itself comes back as a `StoredState`. Nothing here assumes a single
file: an engine whose warehouse is a catalog of tables publishes by its own
means behind the same three calls (`workspace`, `publish`, `discard`).

SQL errors come back as `DatabaseError` with the database's own message.
The SQL a caller hands in (a model's SELECT, a test's query) starts on the
second line of the statement that runs, so a `LINE n` in that message is
line n - 1 of the caller's SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from warehouse.core.identity import Relation
from warehouse.core.nodes import SnapshotSpec

if TYPE_CHECKING:
    from warehouse.core.nodes import Contract

RelationKey = tuple[str, str]  # (schema, name), lower case: how a database matches names


class DatabaseError(Exception):
    """The database refused a statement. Not a WarehouseError: the runner turns it into a
    node's error, placed at the user's line (see run.node_errors.model_error)."""


class ContractMismatch(Exception):
    """A model's query does not give the columns its enforced contract declares (names
    and types as the database spells them, in order); nothing of the model was built."""

    def __init__(self, expected: Sequence[tuple[str, str]],
                 actual: Sequence[tuple[str, str]]) -> None:
        super().__init__("the query's columns do not match the contract")
        self.expected = tuple(expected)
        self.actual = tuple(actual)


class ContractTypeError(Exception):
    """The database does not know the `data_type` of contract column `index` (0-based)."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


class SchemaChanged(Exception):
    """An incremental model's columns differ from its table's, and its `on_schema_change`
    is 'fail': the columns added (name, type), removed (names) and retyped (name, old
    type, new type)."""

    def __init__(self, added: Sequence[tuple[str, str]], removed: Sequence[str],
                 retyped: Sequence[tuple[str, str, str]]) -> None:
        super().__init__("the columns of the incremental model changed")
        self.added, self.removed, self.retyped = tuple(added), tuple(removed), tuple(retyped)


class Unavailable(Exception):
    """The published warehouse exists but cannot be opened now (another process writes it);
    the message says why."""


# ---------------------------------------------------------------------- values


@dataclass(frozen=True)
class NodeState:
    """One node as the stored warehouse holds it."""

    unique_id: str
    fingerprint: str
    local_fingerprint: str
    relation: str | None = None
    status: str = "success"
    failures: int | None = None
    message: str = ""
    built_at: datetime | None = None


@dataclass(frozen=True)
class StoredState:
    """What a warehouse says about itself: node states and the relations present.

    `exists` is False for a warehouse not built yet (or built before fingerprints
    were stored): every node then counts as new."""

    nodes: Mapping[str, NodeState] = field(default_factory=dict)
    relations: frozenset[RelationKey] = frozenset()
    exists: bool = False

    def has_relation(self, relation: Relation) -> bool:
        return (relation.schema.lower(), relation.name.lower()) in self.relations

    def local_fingerprints(self) -> dict[str, str] | None:
        """Stored local fingerprints by node id text (None when there is no stored state):
        what `state:modified` compares with."""
        if not self.exists:
            return None
        return {k: s.local_fingerprint for k, s in self.nodes.items()}


@dataclass(frozen=True)
class Materialized:
    """What building one model did: rows in the relation (None for a view), and a note."""

    relation: Relation
    kind: str  # "view", "table", "incremental", "snapshot"
    rows: int | None
    detail: str = ""


@dataclass(frozen=True)
class FailingRows:
    """A test query's failing rows: how many, and the first few with their column names."""

    count: int
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True)
class TableRead:
    """A table a SELECT reads: its (schema, name) as written, and where (1-based)."""

    schema: str | None
    name: str
    line: int | None
    column: int | None


@dataclass(frozen=True)
class ParsedModel:
    """What the engine needs from a model's SQL, whichever parser read it."""

    tables: tuple[TableRead, ...]
    columns: tuple[str, ...]
    parser: str  # "sqlglot", or the database's name where sqlglot cannot read its SQL
    volatile: tuple[str, ...] = ()  # functions it calls whose result changes between runs


@dataclass(frozen=True)
class SyntaxProblem:
    """The database's parser rejects the SQL: its message, and where (1-based), if it says."""

    message: str
    line: int | None
    column: int | None


# ---------------------------------------------------------------------- protocols


class SqlParser(Protocol):
    """The database's own parser: the authority on what SQL it will accept."""

    # Functions whose result differs from one run to the next on the same data (the
    # clock, random numbers, sequences, files and the environment read at run time):
    # a model that calls one is never skipped as unchanged.
    volatile_functions: frozenset[str]

    def prepare(self) -> None:
        """Open, on this thread, what parsing needs: a thread that will check models does
        it before it has one to check (DuckDB's in-memory connection: 15-25 ms, during
        which DuckDB lets go of the interpreter)."""

    def accepts(self, sql: str) -> bool:
        """A fast check: False only when the SQL is a syntax error."""

    def parse(self, sql: str) -> ParsedModel | SyntaxProblem | None:
        """Tables and columns of one query, its syntax error, or None when it cannot say."""

    def tokens(self, sql: str) -> list[tuple[str, str]]:
        """The SQL's tokens as (kind, exact text), comments included (kind "comment"):
        what a fingerprint and the search for volatile calls read, without a parse."""

    @property
    def version(self) -> str:
        """What the tokens depend on (the database's version): fingerprints made by
        another are not reused."""


class Session(Protocol):
    """A connection to one database: a build's workspace, or the published warehouse."""

    def cursor(self) -> Session:
        """Another session on the same database, for one more thread."""

    def close(self) -> None: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; all its rows."""

    def query(self, sql: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Run one query; its column names and rows."""

    # -- the catalog
    def relation_kind(self, relation: Relation) -> str | None:
        """'table', 'view' or None (absent); kept current as the session builds."""

    def columns(self) -> dict[RelationKey, list[tuple[str, str]]]:
        """Every relation's columns and their types, in order."""

    def columns_of(self, relation: Relation) -> list[tuple[str, str]] | None:
        """One relation's columns and their types (as the database spells them), in order;
        None when it does not exist. What a template's `adapter.get_columns_in_relation`
        reads at run time."""

    def row_counts(self) -> dict[RelationKey, int]:
        """Every table's (estimated) row count."""

    def data_signatures(self, relations: Iterable[Relation]) -> dict[Relation, str | None]:
        """A digest of each relation's columns and rows (None when it cannot be read):
        equal digests mean the same data, whatever order the rows are in."""

    # -- building
    def create_schemas(self, schemas: Iterable[str]) -> None: ...

    def load_seed(self, csv_path: Path, relation: Relation,
                  column_types: Mapping[str, str] | None, *, display_path: str,
                  types_declared_in: Mapping[str, tuple[str, int | None]] | None = None,
                  dbt_types: bool = False) -> int:
        """Load a CSV file as `relation`; rows loaded. With `dbt_types` (a dbt project's
        seeds), undeclared columns get the types dbt's adapter for this database gives.
        A bad value is a ProjectError naming `display_path`, line, column and the expected
        type; a type the database does not know, or a column the header lacks, names
        where `types_declared_in` says that column's type was written (file and line)."""

    def materialize(self, relation: Relation, materialized: str, sql: str, *,
                    incremental_sql: str | None = None, strategy: str = "append",
                    unique_key: Sequence[str] = (), full_refresh: bool = False,
                    contract: Contract | None = None, on_schema_change: str = "ignore"
                    ) -> Materialized:
        """Build a model's SELECT as a view, table or incremental table, atomically.

        With a `contract`, the query's columns are checked against it first (a
        ContractMismatch or ContractTypeError, and nothing is built) and a table is
        created with the contract's columns, in its order, and its constraints.
        An incremental step reconciles the table with the query's columns as dbt's
        `on_schema_change` says (SchemaChanged for 'fail')."""

    def snapshot(self, relation: Relation, sql: str, spec: SnapshotSpec) -> Materialized:
        """Capture the query's rows now into the snapshot table `relation` (created on the
        first run, never dropped or rebuilt), atomically; rows in the table after."""

    def failing_rows(self, sql: str, *, limit: int | None = None, sample_size: int = 5,
                     store_as: Relation | None = None) -> FailingRows:
        """Run a test's query (it returns failing rows): their count and first rows; with
        `store_as`, every failing row is kept in that table."""

    # -- the stored state
    def read_state(self) -> StoredState: ...

    def write_state(self, states: Iterable[NodeState], keep: Iterable[str]) -> None:
        """Replace the rows of `states`; drop rows of nodes not in `keep`."""

    # -- serving
    def export_parquet(self, relation: Relation, path: Path) -> int:
        """Write the relation as a Parquet file at `path`; rows written."""

    def arrow_batches(self, sql: str, batch_rows: int) -> Any:
        """The query's result as a pyarrow RecordBatchReader."""


class Workspace(Protocol):
    """Where one build writes before anything is published (write-audit-publish)."""

    def __enter__(self) -> Workspace: ...

    def __exit__(self, *exc: object) -> None:
        """Discard unless published."""

    def connect(self) -> Session:
        """The build's session (one; `cursor()` gives each thread its own)."""

    def publish(self) -> None:
        """Close the build's session and make what it built the published warehouse, at
        once: a reader sees the old warehouse or the new one, never a mix."""

    def discard(self, *, keep: bool = True) -> str | None:
        """Drop the build (or keep it aside for inspection: where it was kept)."""


class Adapter(Protocol):
    """One target database: where the published warehouse lives and how to build it."""

    name: str  # "duckdb"
    dialect: str  # the SQL dialect models are written in (sqlglot's name)

    @property
    def location(self) -> str:
        """Where the published warehouse is, in full (a path, a catalog URL)."""

    @property
    def label(self) -> str:
        """The published warehouse's short name, for progress messages."""

    def published_exists(self) -> bool: ...

    def published_state(self) -> StoredState:
        """The stored state of the published warehouse (empty if there is none).
        Raises Unavailable when it cannot be read now."""

    def published_signatures(self, relations: Iterable[Relation]
                             ) -> dict[Relation, str | None]:
        """`Session.data_signatures` of the published warehouse, as cheaply as the adapter
        can prove them (a file untouched since they were taken needs no scan)."""

    def open_published(self) -> Session:
        """The published warehouse, read-only. Raises Unavailable (with the reason) when
        there is none or it cannot be opened."""

    def workspace(self) -> Workspace:
        """A new build's workspace; only one build at a time (a ProjectError otherwise)."""

    def without_builds(self) -> AbstractContextManager[list[str]]:
        """For a caller that must not run beside a build (`warehouse clean`): while the
        block runs no build can start, and what killed builds left behind is removed first
        (the names are what the block gets). Does not wait: while a build runs, a
        ProjectError names it (pid and start time where the adapter knows them) and
        nothing is removed, so a running build never loses its files."""

    def remove_leftovers(self) -> list[str]:
        """Remove what killed builds left behind (as `without_builds`, refusing while a
        build runs); what was removed."""
