"""What the published warehouse file says about itself: columns, types and row counts.

The file is opened read-only, as any reader should (a build replaces it by
rename, so a reader never blocks a build). When it does not exist yet, or
cannot be opened, the docs are still written from the project alone, with
declared types and a note saying to run `warehouse build`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
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


def connect_read_only(path: Path) -> tuple[Any, str]:
    """A read-only connection to the published file, or None and the reason there is none."""
    import duckdb

    if not path.exists():
        return None, f"{path.name} does not exist yet: run `warehouse build` to create it"
    try:
        return duckdb.connect(str(path), read_only=True), ""
    except duckdb.Error as exc:
        return None, f"{path.name} could not be opened read-only ({str(exc).splitlines()[0]})"


def read_catalog(con: Any, nodes: Mapping[NodeId, Any], note: str = "") -> Catalog:
    """Columns and types of every node whose relation exists in the open warehouse."""
    if con is None:
        return Catalog(note=note)
    by_relation = {(n.relation.schema.lower(), n.relation.name.lower()): i
                   for i, n in nodes.items() if hasattr(n, "relation")}
    columns: dict[NodeId, list[tuple[str, str]]] = {}
    rows = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns"
        " where table_catalog = current_database() order by table_schema, table_name,"
        " ordinal_position").fetchall()
    for schema, table, column, data_type in rows:
        node = by_relation.get((schema.lower(), table.lower()))
        if node is not None:
            columns.setdefault(node, []).append((column, data_type))
    counts: dict[NodeId, int] = {}
    tables = con.execute(
        "select schema_name, table_name, estimated_size from duckdb_tables()"
        " where database_name = current_database()").fetchall()
    for schema, table, size in tables:
        node = by_relation.get((schema.lower(), table.lower()))
        if node is not None and size is not None:
            counts[node] = int(size)
    return Catalog({n: tuple(c) for n, c in columns.items()}, counts, True, note)


def load_catalog(path: Path, nodes: Mapping[NodeId, Any]) -> Catalog:
    con, note = connect_read_only(path)
    try:
        return read_catalog(con, nodes, note)
    finally:
        if con is not None:
            con.close()
