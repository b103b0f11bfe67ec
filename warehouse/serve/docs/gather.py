"""Everything the site shows, gathered once into frozen values the page writers only read.

Gathering is the only step that touches the project, the published warehouse
and target/run_results.json; the HTML and SVG writers are functions of what is
gathered here, so they can be tested without a database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, SeedNode, SourceNode, TestNode
from warehouse.serve.docs.catalog import Catalog, open_read_only, read_catalog
from warehouse.serve.lineage import DATA_KINDS, ColumnLineage, ColumnRef


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    description: str = ""
    data_type: str | None = None
    type_origin: str = ""  # "warehouse", "declared" or ""
    lineage: ColumnLineage | None = None
    used_by: tuple[ColumnRef, ...] = ()  # downstream columns derived from this one


@dataclass(frozen=True)
class TestDoc:
    name: str
    column: str | None
    kind: str  # the generic test's name, or "singular"
    severity: str
    status: str  # pass, fail, warn, error, skipped, or "not run yet"
    failures: int | None = None
    message: str = ""


@dataclass(frozen=True)
class NodeDoc:
    id: NodeId
    layer: str  # seed, source, or the model's folder (staging, intermediate, marts ...)
    description: str
    path: str
    relation: str
    materialized: str
    sql: str
    columns: tuple[ColumnDoc, ...]
    tests: tuple[TestDoc, ...]
    parents: tuple[NodeId, ...]
    children: tuple[NodeId, ...]
    rows: int | None = None
    lineage_error: str = ""


@dataclass(frozen=True)
class Site:
    project: str
    nodes: Mapping[NodeId, NodeDoc]
    order: tuple[NodeId, ...]  # data nodes in DAG order
    built: bool
    note: str  # why there are no types or charts, when the warehouse is not built
    results_at: str | None  # when target/run_results.json was written
    report: tuple[Mapping[str, Any], ...] | None = None
    trade: Mapping[str, tuple[Mapping[str, Any], ...]] | None = None
    commodities: tuple[Mapping[str, Any], ...] | None = None
    samples: Mapping[NodeId, Any] = field(default_factory=dict)  # marts.Sample by mart


def gather(project: Any) -> Site:
    from warehouse.serve.docs.marts import read_marts, read_samples
    from warehouse.serve.lineage import lineage_for_project

    session, note = open_read_only(project)
    try:
        catalog = read_catalog(session, project.nodes, note)
        marts = read_marts(session, catalog, project.nodes)
        samples = read_samples(session, catalog, project.nodes,
                               (n for n, node in project.nodes.items()
                                if n.kind in DATA_KINDS and layer_of(node) == "marts"))
    finally:
        if session is not None:
            session.close()
    lineages = lineage_for_project(project, catalog.column_names())
    results, results_at = _run_results(project.target_path / "run_results.json")
    tests = _tests_by_node(project, results)
    used_by = _used_by(lineages)
    dag = project.dag
    order = tuple(n for n in dag.topological_order() if n.kind in DATA_KINDS)
    docs: dict[NodeId, NodeDoc] = {}
    for node_id in order:
        node = project.nodes[node_id]
        lineage = lineages.get(node_id)
        docs[node_id] = NodeDoc(
            id=node_id, layer=layer_of(node), description=node.description or "",
            path=node.path, relation=str(node.relation),
            materialized=node.materialized or "source",
            sql=node.compiled_sql if isinstance(node, ModelNode) else "",
            columns=_columns(node, catalog, lineage, used_by.get(node_id, {})),
            tests=tuple(tests.get(node_id, ())),
            parents=tuple(p for p in dag.parents(node_id) if p.kind in DATA_KINDS),
            children=tuple(c for c in dag.children(node_id) if c.kind in DATA_KINDS),
            rows=catalog.rows.get(node_id), lineage_error=lineage.error if lineage else "")
    return Site(project=project.config.name or project.config.root.name, nodes=docs,
                order=order, built=catalog.available, note=catalog.note, results_at=results_at,
                report=marts.report, trade=marts.trade, commodities=marts.commodities,
                samples=samples)


def layer_of(node: Any) -> str:
    if isinstance(node, SeedNode):
        return "seed"
    if isinstance(node, SourceNode):
        return "source"
    parts = Path(node.path).parts
    return parts[1] if len(parts) > 2 else "models"


def _used_by(lineages: Mapping[NodeId, Any]) -> dict[NodeId, dict[str, list[ColumnRef]]]:
    """Column lineage read the other way: for each upstream column, the columns built from it."""
    out: dict[NodeId, dict[str, list[ColumnRef]]] = {}
    for node_id, model in lineages.items():
        for col in model.columns:
            for src in col.sources:
                out.setdefault(src.node, {}).setdefault(src.column.lower(), []).append(
                    ColumnRef(node_id, col.column))
    return out


def _columns(node: Any, catalog: Catalog, lineage: Any,
             used_by: Mapping[str, list[ColumnRef]]) -> tuple[ColumnDoc, ...]:
    """Columns in the warehouse's order, then declared ones it lacks; types from the warehouse,
    else as declared in YAML (or a seed's column_types)."""
    declared = {c.name.lower(): c for c in getattr(node, "columns", ())}
    seed_types = {k.lower(): v for k, v in getattr(node, "column_types", {}).items()}
    names = [c for c, _ in catalog.columns.get(node.id, ())]
    if not names and lineage is not None:
        names = [c.column for c in lineage.columns]
    if not names and isinstance(node, ModelNode):
        names = list(node.sql_columns)
    lower = {n.lower() for n in names}
    names += [c.name for c in getattr(node, "columns", ()) if c.name.lower() not in lower]
    names += [c for c in getattr(node, "column_types", {}) if c.lower() not in
              lower | {n.lower() for n in names}]
    out = []
    for name in names:
        props = declared.get(name.lower())
        typed = catalog.type_of(node.id, name)
        origin = "warehouse" if typed else ""
        if typed is None:
            typed = (props.data_type if props else None) or seed_types.get(name.lower())
            origin = "declared" if typed else ""
        out.append(ColumnDoc(name, props.description if props else "", typed, origin,
                             lineage.column(name) if lineage is not None else None,
                             tuple(sorted(used_by.get(name.lower(), ())))))
    return tuple(out)


def _run_results(path: Path) -> tuple[dict[str, Mapping[str, Any]], str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = {r["unique_id"]: r for r in data.get("results", [])}
        return results, (data.get("metadata") or {}).get("generated_at")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, None


def _tests_by_node(project: Any, results: Mapping[str, Mapping[str, Any]]
                   ) -> dict[NodeId, list[TestDoc]]:
    out: dict[NodeId, list[TestDoc]] = {}
    for test_id, test in sorted(project.nodes.items()):
        if not isinstance(test, TestNode):
            continue
        result = results.get(str(test_id))
        doc = TestDoc(
            name=test.name, column=test.column_name, kind=test.test_name or "singular",
            severity=getattr(test.config, "severity", "error"),
            status=result.get("status", "not run yet") if result else "not run yet",
            failures=result.get("failures") if result else None,
            message=(result.get("message") or "") if result else "")
        for target in test.depends_on:
            if target.kind in (NodeKind.MODEL, NodeKind.SEED, NodeKind.SOURCE):
                out.setdefault(target, []).append(doc)
    return out
