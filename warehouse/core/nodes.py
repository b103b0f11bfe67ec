"""The project's nodes as frozen values: what the loader produces and the runner consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.core.properties import ColumnProps


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

    @property
    def id(self) -> NodeId:
        return NodeId(NodeKind.TEST, self.name)

    @property
    def materialized(self) -> str:
        return "test"

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(getattr(self.config, "tags", ()) or ())


Node = ModelNode | SeedNode | SourceNode | TestNode


def _tags(config: Mapping[str, Any]) -> frozenset[str]:
    tags = config.get("tags") or ()
    return frozenset([tags] if isinstance(tags, str) else tags)
