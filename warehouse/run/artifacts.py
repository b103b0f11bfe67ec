"""`target/manifest.json` and `target/run_results.json`: stable JSON for other tools.

Written atomically (temp file, then rename), so a reader never sees half a file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warehouse import __version__
from warehouse.core.atomic import write_json
from warehouse.core.nodes import ModelNode, SeedNode, SnapshotNode, SourceNode, TestNode

SCHEMA_VERSION = 1


def _columns(node: Any) -> list[dict[str, Any]]:
    described = {c.name: c for c in getattr(node, "columns", ())}
    names = list(described)
    for name in getattr(node, "sql_columns", ()):
        if name not in described:
            names.append(name)
    return [{"name": n, "description": described[n].description if n in described else "",
             "data_type": described[n].data_type if n in described else None} for n in names]


def node_entry(node: Any, parents: tuple[Any, ...], fingerprint: Any = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "unique_id": str(node.id), "resource_type": node.id.kind.value, "name": node.name,
        "path": node.path, "depends_on": [str(p) for p in parents],
    }
    if fingerprint is not None:  # see warehouse.compile.fingerprint: full folds in the parents
        entry.update(fingerprint=fingerprint.full, local_fingerprint=fingerprint.local)
    if isinstance(node, (ModelNode, SeedNode, SourceNode, SnapshotNode)):
        entry.update(relation=str(node.relation), schema=node.relation.schema,
                     alias=node.relation.name, description=node.description,
                     columns=_columns(node))
    if isinstance(node, (ModelNode, SnapshotNode)):
        entry.update(config=dict(node.config), materialized=node.materialized,
                     tags=sorted(node.tags), compiled_sql=node.compiled_sql,
                     checksum=node.checksum, refs=list(node.refs),
                     sources=[f"{s}.{t}" for s, t in node.sources])
    elif isinstance(node, SeedNode):
        entry.update(config=dict(node.config), column_types=dict(node.column_types),
                     checksum=node.checksum)
    elif isinstance(node, TestNode):
        entry.update(test_name=node.test_name, attached_to=node.attached_to,
                     column_name=node.column_name, compiled_sql=node.sql,
                     severity=getattr(node.config, "severity", "error"))
    if getattr(node, "materialized", None) == "unit_test":  # as dbt's `unit_tests` entries
        entry.update(model=node.model, description=node.description, tags=sorted(node.tags),
                     given=[{"input": f.label, "format": f.format} for f in node.given],
                     expect={"format": node.expect.format}, line=node.line)
    return entry


def manifest(project: Any) -> dict[str, Any]:
    fingerprints = project.fingerprints
    return {
        "metadata": {"schema_version": SCHEMA_VERSION, "engine_version": __version__,
                     "generated_at": datetime.now(UTC).isoformat(),
                     "project": project.config.name},
        "nodes": {str(i): node_entry(n, project.parents.get(i, ()), fingerprints.get(i))
                  for i, n in sorted(project.nodes.items())},
    }


def write_manifest(path: Path, project: Any) -> bool:
    """Write manifest.json unless it already describes this very project; whether written.

    A project from the parse cache carries the digest of everything it was
    loaded from (`cache_key`). The manifest records it, so a no-op build that
    finds its own digest there leaves the file alone instead of spending a
    fifth of its time rewriting the same nodes."""
    key = getattr(project, "cache_key", None)
    if key and _manifest_key(path) == key:
        return False
    data = manifest(project)
    data["metadata"]["project_key"] = key
    write_json(path, data)
    return True


def _manifest_key(path: Path) -> str | None:
    import re

    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(2048)
    except OSError:
        return None
    match = re.search(r'"project_key": "([0-9a-f]+)"', head)
    return match.group(1) if match else None


def run_results(result: Any) -> dict[str, Any]:
    return {
        "metadata": {"schema_version": SCHEMA_VERSION, "engine_version": __version__,
                     "generated_at": datetime.now(UTC).isoformat()},
        "command": result.command,
        "elapsed_seconds": round(result.elapsed, 4),
        "published": result.published,
        "database": str(result.database),
        "results": [
            {"unique_id": str(r.node_id), "status": r.status,
             "execution_time": round(r.elapsed, 4), "rows": r.rows, "failures": r.failures,
             "relation": r.relation, "message": r.message or None,
             "reused": bool(r.detail.get("reused")), "reason": r.detail.get("reason")}
            for r in result.results
        ],
    }
