"""What the published warehouse file says about itself: columns, types and row counts.

The file is opened read-only, as any reader should (a build replaces it by
rename, so a reader never blocks a build). When it does not exist yet, or
cannot be opened, the docs are still written from the project alone, with
declared types and a note saying to run `warehouse build`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.core.identity import NodeId


@dataclass(frozen=True)
class Catalog:
    """Columns (name, type) and row counts by node; empty when the warehouse is not built."""

    columns: Mapping[NodeId, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    rows: Mapping[NodeId, int] = field(default_factory=dict)
    available: bool = False
    note: str = ""

    def column_names(self) -> dict[NodeId, tuple[str, ...]]:
        return {n: tuple(c for c, _ in cols) for n, cols in self.columns.items()}

    def type_of(self, node: NodeId, column: str) -> str | None:
        wanted = column.lower()
        return next((t for c, t in self.columns.get(node, ()) if c.lower() == wanted), None)


def open_read_only(project: Any) -> tuple[Any, str]:
    """A read-only session on the published warehouse, or None and the reason there is none."""
    from warehouse.adapters.base import Unavailable
    from warehouse.adapters.target import adapter_for

    try:
        return adapter_for(project.config).open_published(), ""
    except Unavailable as exc:
        return None, str(exc)


def read_catalog(session: Any, nodes: Mapping[NodeId, Any], note: str = "") -> Catalog:
    """Columns and types of every node whose relation exists in the open warehouse."""
    if session is None:
        return Catalog(note=note)
    by_relation = {(n.relation.schema.lower(), n.relation.name.lower()): i
                   for i, n in nodes.items() if hasattr(n, "relation")}
    columns = {by_relation[key]: tuple(cols) for key, cols in session.columns().items()
               if key in by_relation}
    counts = {by_relation[key]: rows for key, rows in session.row_counts().items()
              if key in by_relation}
    return Catalog(columns, counts, True, note)


def load_catalog(project: Any) -> Catalog:
    """The catalog of the project's published warehouse (empty, with a note, if none)."""
    session, note = open_read_only(project)
    try:
        return read_catalog(session, project.nodes, note)
    finally:
        if session is not None:
            session.close()
