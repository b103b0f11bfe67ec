"""Lineage: which nodes a model reads, and which upstream columns each of its columns comes from.

Model-level lineage is the project DAG read both ways. Column-level lineage is
computed by sqlglot from each model's compiled SQL, with the columns of the
relations it reads as the schema (so `select *` expands and unqualified names
resolve). Models are analysed in DAG order, so a model's output columns are the
schema its children are analysed against. sqlglot cannot read every query
DuckDB runs; a column it cannot trace is marked "unknown" and the rest of the
project goes on: lineage is documentation, it must never stop a build or the
docs. Analysing SQL takes far longer than anything else the docs do, so results
are cached by a checksum of the SQL and the schema it was analysed against.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.compile.resolve import EPHEMERAL_PREFIX
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node

EPHEMERAL_SCHEMA = "__ephemeral__"  # where inlined ephemeral CTEs are looked up as tables
DATA_KINDS = (NodeKind.SEED, NodeKind.SOURCE, NodeKind.MODEL)


@dataclass(frozen=True, order=True)
class ColumnRef:
    """One column of one node: `model.stg_sources` . `source_id`."""

    node: NodeId
    column: str

    def __str__(self) -> str:
        return f"{self.node.name}.{self.column}"


@dataclass(frozen=True)
class ColumnLineage:
    """Where one output column comes from.

    status: "known" (sources listed), "constant" (sqlglot traced it to no column:
    a literal or a function of none), or "unknown" (sqlglot could not tell; `note` says why).
    """

    column: str
    sources: tuple[ColumnRef, ...] = ()
    status: str = "known"
    note: str = ""


@dataclass(frozen=True)
class ModelLineage:
    node: NodeId
    columns: tuple[ColumnLineage, ...]
    error: str = ""  # set when the whole query could not be analysed

    def column(self, name: str) -> ColumnLineage | None:
        wanted = name.lower()
        return next((c for c in self.columns if c.column.lower() == wanted), None)


@dataclass(frozen=True)
class TreeNode:
    """A node in an upstream or downstream tree; `repeat` marks one already shown above."""

    node: NodeId
    children: tuple[TreeNode, ...] = ()
    repeat: bool = False
    column: str | None = None
    status: str = "known"
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unique_id": str(self.node), "name": self.node.name,
                               "resource_type": self.node.kind.value}
        if self.column is not None:
            out.update(column=self.column, status=self.status)
            if self.note:
                out["note"] = self.note
        if self.repeat:
            out["repeat"] = True
        out["children"] = [c.to_json() for c in self.children]
        return out


# -- model level ---------------------------------------------------------------


def data_nodes(dag: Any, ids: Iterable[NodeId]) -> list[NodeId]:
    """Models, seeds and sources among `ids` (tests are not lineage), in DAG order."""
    return dag.sort(i for i in ids if i.kind in DATA_KINDS)


def model_tree(dag: Any, root: NodeId, *, upstream: bool) -> TreeNode:
    """The nodes `root` reads from (or that read it), as a tree; diamonds appear once in full."""
    seen: set[NodeId] = set()

    def grow(node: NodeId) -> TreeNode:
        if node in seen:
            return TreeNode(node, repeat=True)
        seen.add(node)
        nxt = dag.parents(node) if upstream else dag.children(node)
        return TreeNode(node, tuple(grow(n) for n in data_nodes(dag, nxt)))

    return grow(root)


# -- column level: one query -----------------------------------------------------


Schema = Mapping[str, Mapping[str, Mapping[str, str]]]  # schema -> table -> column -> type


def analyse_sql(sql: str, schema: Schema, relations: Mapping[tuple[str, str], NodeId],
                fallback_columns: tuple[str, ...] = ()) -> tuple[tuple[ColumnLineage, ...], str]:
    """Each output column of `sql` with the upstream (node, column) pairs it derives from.

    `relations` maps (schema, table) in lower case to the node that relation is.
    Returns the columns and an error message ("" when sqlglot could read the query);
    on error every column of `fallback_columns` is "unknown".
    """
    try:
        return _analyse(sql, schema, relations), ""
    except Exception as exc:  # noqa: BLE001 - sqlglot raises many kinds; lineage must not
        reason = f"sqlglot could not analyse the query ({type(exc).__name__}: {str(exc)[:160]})"
        return tuple(ColumnLineage(c, (), "unknown", reason) for c in fallback_columns), reason


def _analyse(sql: str, schema: Schema,
             relations: Mapping[tuple[str, str], NodeId]) -> tuple[ColumnLineage, ...]:
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import build_scope
    from sqlglot.schema import ensure_schema

    from warehouse.compile.external_sources import table_key

    tree = sqlglot.parse_one(sql, dialect="duckdb")
    tree = _ephemerals_as_tables(tree)
    mapping = ensure_schema(_plain(schema), dialect="duckdb")
    qualified = qualify(tree, dialect="duckdb", schema=mapping,
                        validate_qualify_columns=False, identify=False)
    scope = build_scope(qualified)
    if scope is None:
        raise ValueError("not a query")
    roots = lineage(None, qualified, mapping, dialect="duckdb", scope=scope, copy=False,
                    trim_selects=False)
    out = []
    for name, root in roots.items():
        found: set[ColumnRef] = set()
        unresolved = False
        for step in root.walk():
            if isinstance(step.expression, exp.Table):
                key = table_key(step.expression)  # a reader call: its SQL
                node = relations.get(key)
                if node is not None:
                    found.add(ColumnRef(node, step.name.rsplit(".", 1)[-1]))
                elif key[0] not in ("", "information_schema", "pg_catalog") or (
                        not isinstance(step.expression.this, exp.Identifier)):
                    unresolved = True  # (a table function that is no source: no node)
            elif isinstance(step.expression, exp.Placeholder) or (
                    not step.downstream and _has_unqualified_column(step.expression)):
                unresolved = True
        if found:
            note = "some of its sources could not be resolved" if unresolved else ""
            out.append(ColumnLineage(name, tuple(sorted(found)), note=note))
        elif unresolved:
            out.append(ColumnLineage(name, (), "unknown", "sqlglot could not resolve the column"))
        else:
            out.append(ColumnLineage(name, (), "constant"))
    return tuple(out)


def _ephemerals_as_tables(tree: Any) -> Any:
    """Drop the CTEs the engine inlined for ephemeral models and read them as tables instead,
    so lineage stops at the ephemeral model (which has its own page) rather than going past it."""
    from sqlglot import exp

    names = set()
    for cte in list(tree.find_all(exp.CTE)):
        if cte.alias_or_name.lower().startswith(EPHEMERAL_PREFIX):
            names.add(cte.alias_or_name.lower())
            cte.pop()
    if not names:
        return tree
    with_ = tree.args.get("with_") or tree.args.get("with")
    if with_ is not None and not with_.expressions:
        with_.pop()
    for table in tree.find_all(exp.Table):
        if not table.db and table.name.lower() in names:
            table.set("db", exp.to_identifier(EPHEMERAL_SCHEMA))
            table.set("this", exp.to_identifier(table.name.lower()[len(EPHEMERAL_PREFIX):]))
    return tree


def _has_unqualified_column(expression: Any) -> bool:
    from sqlglot import exp

    return any(not c.table for c in expression.find_all(exp.Column))


def _plain(schema: Schema) -> dict[str, dict[str, dict[str, str]]]:
    return {s: {t: dict(cols) for t, cols in tables.items()} for s, tables in schema.items()}


# -- column level: the whole project ---------------------------------------------


@dataclass
class LineageCache:
    """Results of `analyse_sql` by checksum: JSON-ready, so it can be kept between runs.
    `version` (the engine's code and sqlglot's version) is part of every key, so results
    of another engine are never served."""

    entries: dict[str, Any] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    version: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.entries.items() if k in self.used}


def project_lineage(nodes: Mapping[NodeId, Node], parents: Mapping[NodeId, tuple[NodeId, ...]],
                    order: Iterable[NodeId], known_columns: Mapping[NodeId, tuple[str, ...]],
                    cache: LineageCache | None = None) -> dict[NodeId, ModelLineage]:
    """Column lineage of every model, analysed in DAG order.

    `known_columns` are the columns of nodes whose columns are known without
    analysis (from the built warehouse, seed headers, or YAML); a model missing
    from it gets the output columns its own analysis finds, which then serve as
    the schema of the models that read it.
    """
    cache = cache if cache is not None else LineageCache()
    relations: dict[tuple[str, str], NodeId] = {}
    for node_id, node in nodes.items():
        if node_id.kind in DATA_KINDS:
            relations[(node.relation.schema.lower(), node.relation.name.lower())] = node_id
            if getattr(node, "external", None):  # a source read from files, by its path
                from warehouse.compile.external_sources import external_reads

                relations.update(dict.fromkeys(external_reads(node.external), node_id))
            if isinstance(node, ModelNode) and node.materialized == "ephemeral":
                relations[(EPHEMERAL_SCHEMA, node.name.lower())] = node_id
    columns: dict[NodeId, tuple[str, ...]] = dict(known_columns)
    result: dict[NodeId, ModelLineage] = {}
    for node_id in order:
        node = nodes[node_id]
        if not isinstance(node, ModelNode):
            continue
        schema = _schema_for(nodes, parents.get(node_id, ()), columns)
        fallback = tuple(columns.get(node_id) or node.sql_columns or tuple(
            c.name for c in node.columns))
        # The fallback is what an unparsable model reports, so it belongs in the key.
        key = _checksum(cache.version, node.compiled_sql, schema, fallback)
        if key in cache.entries:
            found, error = _from_json(cache.entries[key])
        else:
            found, error = analyse_sql(node.compiled_sql, schema, relations, fallback)
            cache.entries[key] = _to_json(found, error)
        cache.used.add(key)
        result[node_id] = ModelLineage(node_id, found, error)
        if node_id not in columns or not columns[node_id]:
            columns[node_id] = tuple(c.column for c in found)
    return result


def _schema_for(nodes: Mapping[NodeId, Node], parents: Iterable[NodeId],
                columns: Mapping[NodeId, tuple[str, ...]]) -> dict[str, dict[str, dict[str, str]]]:
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for parent in parents:
        node = nodes.get(parent)
        cols = columns.get(parent)
        if node is None or not cols:
            continue
        typed = {c.lower(): "UNKNOWN" for c in cols}
        schema.setdefault(node.relation.schema.lower(), {})[node.relation.name.lower()] = typed
        if isinstance(node, ModelNode) and node.materialized == "ephemeral":
            schema.setdefault(EPHEMERAL_SCHEMA, {})[node.name.lower()] = typed
    return schema


def _checksum(version: str, sql: str, schema: Mapping[str, Any],
              fallback: tuple[str, ...]) -> str:
    text = json.dumps([version, sql, schema, fallback], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _to_json(columns: tuple[ColumnLineage, ...], error: str) -> dict[str, Any]:
    return {"error": error, "columns": [
        {"column": c.column, "status": c.status, "note": c.note,
         "sources": [[str(s.node), s.column] for s in c.sources]} for c in columns]}


def _from_json(data: Mapping[str, Any]) -> tuple[tuple[ColumnLineage, ...], str]:
    columns = tuple(
        ColumnLineage(c["column"],
                      tuple(ColumnRef(NodeId.parse(n), col) for n, col in c["sources"]),
                      c["status"], c.get("note", ""))
        for c in data["columns"])
    return columns, data.get("error", "")


# -- column level: recursive ----------------------------------------------------------


def column_tree(lineages: Mapping[NodeId, ModelLineage], root: ColumnRef) -> TreeNode:
    """The column's sources, and theirs, down to seeds and sources (which have no lineage)."""
    seen: set[ColumnRef] = set()

    def grow(ref: ColumnRef) -> TreeNode:
        if ref in seen:
            return TreeNode(ref.node, column=ref.column, repeat=True)
        seen.add(ref)
        model = lineages.get(ref.node)
        if model is None:  # a seed or source: where data enters
            return TreeNode(ref.node, column=ref.column)
        col = model.column(ref.column)
        if col is None:
            return TreeNode(ref.node, column=ref.column, status="unknown",
                            note="column not found in the model's SQL")
        return TreeNode(ref.node, tuple(grow(s) for s in col.sources), column=ref.column,
                        status=col.status, note=col.note)

    return grow(root)


# -- the project as it is on disk ------------------------------------------------------


def known_columns(nodes: Mapping[NodeId, Node], root: Any,
                  catalog: Mapping[NodeId, tuple[str, ...]]) -> dict[NodeId, tuple[str, ...]]:
    """Columns of seeds and sources without analysis: the built warehouse's where it has
    them, else a seed's CSV header or a source's YAML columns."""
    import csv
    from pathlib import Path

    out: dict[NodeId, tuple[str, ...]] = {}
    for node_id, node in nodes.items():
        if catalog.get(node_id):
            out[node_id] = tuple(catalog[node_id])
        elif node_id.kind is NodeKind.SEED:
            try:
                with open(Path(root) / node.path, encoding="utf-8-sig", newline="") as f:
                    out[node_id] = tuple(next(csv.reader(f), []))
            except OSError:
                pass
        elif node_id.kind is NodeKind.SOURCE and node.columns:
            out[node_id] = tuple(c.name for c in node.columns)
    return out


def lineage_for_project(project: Any, catalog: Mapping[NodeId, tuple[str, ...]]
                        ) -> dict[NodeId, ModelLineage]:
    """Column lineage of every model, with the cache kept in target/lineage_cache.json."""
    from warehouse.core.atomic import write_json

    path = project.target_path / "lineage_cache.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(entries, dict):
            entries = {}
    except (OSError, ValueError):
        entries = {}
    from warehouse.compile.parse_cache import engine_signature

    cache = LineageCache(dict(entries), version=engine_signature())
    result = project_lineage(project.nodes, project.parents, project.dag.topological_order(),
                             known_columns(project.nodes, project.config.root, catalog), cache)
    if set(cache.to_json()) != set(entries):
        try:
            write_json(path, cache.to_json())
        except OSError:
            pass  # a read-only checkout still gets its lineage, only slower next time
    return result
