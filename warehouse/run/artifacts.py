"""`target/manifest.json` (dbt's v12) and `target/run_results.json` (dbt's v6).

Tools that read dbt's artifacts (docs sites, lineage and observability tools,
`dbt-artifacts-parser`) find nodes under dbt's names (`model.jaffle_shop.orders`,
see dbt_ids.py) with the fields dbt's JSON schemas require. Those schemas allow no
field of their own at any level, so what only the engine knows goes where they
allow free-form objects, each time under the key `warehouse`: a node's `meta`, a
result's `adapter_response`, the run's `args`. Our own readers (`result:`
selection, the no-op manifest check) read them back from there.

Written atomically (temp file, then rename), so a reader never sees half a file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warehouse import __version__
from warehouse.core.atomic import write_json
from warehouse.core.heap import collector_paused
from warehouse.core.nodes import ModelNode, SeedNode, SnapshotNode, SourceNode, TestNode
from warehouse.run import dbt_ids
from warehouse.run.result_entries import KEY  # (our fields in dbt's free-form objects)

MANIFEST_SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"
RUN_RESULTS_SCHEMA = "https://schemas.getdbt.com/dbt/run-results/v6.json"
_EMPTY_SECTIONS = ("macros", "docs", "exposures", "metrics", "groups", "selectors",
                   "disabled", "group_map", "saved_queries", "semantic_models")


def metadata(schema: str, **extra: Any) -> dict[str, Any]:
    """dbt's artifact metadata: the schema's address and when it was written."""
    import os

    now = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    env = {k.removeprefix("DBT_ENV_CUSTOM_ENV_"): v for k, v in os.environ.items()
           if k.startswith("DBT_ENV_CUSTOM_ENV_")}
    return {"dbt_schema_version": schema, "generated_at": now, "invocation_id": None,
            "env": env, **extra}


def _columns(node: Any) -> dict[str, dict[str, Any]]:
    out = {c.name: {"name": c.name, "description": c.description, "data_type": c.data_type,
                    "meta": {}, "tags": [], "constraints": []}
           for c in getattr(node, "columns", ())}
    for n in getattr(node, "sql_columns", ()):
        if n not in out:
            out[n] = {"name": n, "description": "", "data_type": None, "meta": {}, "tags": [],
                      "constraints": []}
    return out


class _Names:
    """dbt's package name and fqn of each node, worked out once per folder (a manifest asks
    for thousands of nodes in a few folders), and the database's name."""

    def __init__(self, project: Any) -> None:
        self.project = project
        self.database = project.database_path.stem  # (a Path made on each call)
        self._by_folder: dict[str, tuple[str, list[str]]] = {}

    def package_and_fqn(self, node: Any) -> tuple[str, list[str]]:
        path = node.path or ""
        folder = path.rpartition("/")[0]
        found = self._by_folder.get(folder)
        if found is None:  # [package, *folders]: what fqn puts before the node's own name
            *prefix, _name = dbt_ids.fqn(self.project, node)
            if isinstance(node, SourceNode):
                prefix = prefix[:-1]
            found = self._by_folder[folder] = (dbt_ids.package_of(self.project, node), prefix)
        package, prefix = found
        own = [node.source_name, node.table_name] if isinstance(node, SourceNode) else [
            node.name]
        return package, [*prefix, *own]


def node_entry(project: Any, node: Any, ids: dict[Any, str], fingerprint: Any = None,
               names: _Names | None = None) -> dict[str, Any]:
    """One node as dbt's manifest lays it out; the engine's fields under meta.warehouse."""
    node_id = node.id
    parents = project.parents.get(node_id, ())
    ours: dict[str, Any] = {"node": str(node_id)}
    if fingerprint is not None:  # see warehouse.compile.fingerprint: full folds in the parents
        ours.update(fingerprint=fingerprint.full, local_fingerprint=fingerprint.local)
    relation = getattr(node, "relation", None)
    config = dict(getattr(node, "config", None) or {}) if not isinstance(node, TestNode) else {}
    names = names or _Names(project)
    package, fqn = names.package_and_fqn(node)
    entry: dict[str, Any] = {
        "unique_id": ids[node_id], "resource_type": node_id.kind.value, "name": node.name,
        "package_name": package, "path": node.path,
        "original_file_path": node.path, "fqn": fqn,
        "database": names.database,
        "schema": relation.schema if relation else project.config.default_schema,
        "description": getattr(node, "description", "") or "",
        "meta": {**(config.get("meta") or {}), KEY: ours},
        "tags": sorted(node.tags),
    }
    if getattr(node, "materialized", None) == "unit_test":
        return _unit_test_entry(entry, node, ids)
    if isinstance(node, SourceNode):
        entry.update(source_name=node.source_name, source_description="", loader="",
                     identifier=relation.name, columns=_columns(node),
                     relation_name=f'"{entry["database"]}".{relation.sql}')
        return entry
    entry.update(alias=relation.name if relation else node.name,
                 checksum={"name": "sha256", "checksum": getattr(node, "checksum", "") or ""},
                 depends_on={"macros": [], "nodes": [ids[p] for p in parents if p in ids]},
                 config={"enabled": True, **config,  # (as JSON: write_json's default=str)
                         "materialized": node.materialized, "tags": sorted(node.tags)})
    if relation is not None and node.materialized != "ephemeral":
        entry["relation_name"] = f'"{entry["database"]}".{relation.sql}'
    if isinstance(node, (ModelNode, SnapshotNode)):
        entry.update(raw_code=node.template, compiled_code=node.compiled_sql, compiled=True,
                     language="sql", columns=_columns(node),
                     refs=[{"name": r, "package": None, "version": None} for r in node.refs],
                     sources=[[s, t] for s, t in node.sources])
    elif isinstance(node, SeedNode):
        entry["config"]["column_types"] = dict(node.column_types)
        entry["depends_on"] = {"macros": []}
        entry.update(columns=_columns(node), root_path=str(project.config.root))
    elif isinstance(node, TestNode):
        entry["config"]["severity"] = str(getattr(node.config, "severity", "error")).upper()
        entry.update(compiled_code=node.sql, compiled=True, language="sql")
        ours.update(test_name=node.test_name, attached_to=node.attached_to)
        if node.test_name is not None:  # generic: what it tests
            entry.update(test_metadata={"name": node.test_name, "kwargs": {}, "namespace": None},
                         column_name=node.column_name, attached_node=_attached(node, ids))
    return entry


def _unit_test_entry(entry: dict[str, Any], node: Any, ids: dict[Any, str]) -> dict[str, Any]:
    """dbt's `unit_tests` entry: fewer fields than a node's (no relation, meta or tags at
    its top); our fields under its config's meta."""
    keep = ("unique_id", "resource_type", "name", "package_name", "path",
            "original_file_path", "fqn", "schema", "description")
    out = {k: entry[k] for k in keep}
    model = next((ids[p] for p in node.depends_on if p.kind.value == "model" and p in ids), None)
    out.update(model=node.model, checksum=None,
               depends_on={"macros": [], "nodes": [model] if model else []},
               given=[{"input": f.label, "rows": [], "format": f.format} for f in node.given],
               expect={"format": node.expect.format, "rows": []},
               config={"tags": entry["tags"], "meta": entry["meta"], "enabled": True})
    return out


def _attached(node: TestNode, ids: dict[Any, str]) -> str | None:
    return next((ids[p] for p in node.depends_on if p in ids), None)


def manifest(project: Any) -> dict[str, Any]:
    """target/manifest.json: dbt's v12 layout, sources and unit tests in their sections."""
    with collector_paused():
        return _manifest(project)


_last_ids: tuple[Any, dict[Any, str]] | None = None


def _ids(project: Any) -> dict[Any, str]:
    """dbt's ids of the project's nodes, kept for the project last asked about: a build
    asks three times (manifest, run_results, the no-op stamp's run_results)."""
    global _last_ids
    if _last_ids is None or _last_ids[0] is not project:
        _last_ids = (project, dbt_ids.id_map(project))
    return _last_ids[1]


def _manifest(project: Any) -> dict[str, Any]:
    ids = _ids(project)
    fingerprints = project.fingerprints
    names = _Names(project)
    data: dict[str, Any] = {
        "metadata": _manifest_head(project),
        "nodes": {}, "sources": {}, "unit_tests": {},
        **{section: {} for section in _EMPTY_SECTIONS},
    }
    for node_id, node in sorted(project.nodes.items()):
        section = {"source": "sources", "unit_test": "unit_tests"}.get(node_id.kind.value,
                                                                      "nodes")
        data[section][ids[node_id]] = node_entry(project, node, ids, fingerprints.get(node_id),
                                                 names)
    data["parent_map"] = {ids[n]: sorted(ids[p] for p in project.parents.get(n, ()) if p in ids)
                          for n in ids}
    children: dict[str, list[str]] = {uid: [] for uid in ids.values()}
    for child, parents in data["parent_map"].items():
        for parent in parents:
            children[parent].append(child)
    data["child_map"] = {k: sorted(v) for k, v in children.items()}
    return data


def write_manifest(path: Path, project: Any) -> bool:
    """Write manifest.json unless it already describes this very project; whether written.

    A project from the parse cache carries the digest of everything it was
    loaded from (`cache_key`). It is kept beside the manifest (dbt's schema has
    no place for it), so a no-op build that finds its own digest there leaves the
    file alone instead of spending a fifth of its time rewriting the same nodes."""
    from warehouse.run import manifest_splice

    key = getattr(project, "cache_key", None)
    key = f"{__version__} {key}" if key else None  # another engine may lay it out otherwise
    key_file = path.with_name(path.name + ".key")
    recorded = _read(key_file) or ""
    if key and path.exists() and recorded.partition("\n")[0] == key:
        return False
    with collector_paused():  # the last file with the changed entries, or all of it
        data = manifest_splice.spliced(path, recorded, __version__, project,
                                       _manifest_head(project), _entry_of(project))
        if data is None or not data.write(path):
            write_json(path, manifest(project))
    if key:  # and the file's identity: an edit since means its entries are not ours
        key_file.write_text(f"{key}\n{manifest_splice.identity(path)}", encoding="utf-8")
    else:
        key_file.unlink(missing_ok=True)
    return True


def manifest_in_background(path: Path, project: Any) -> Callable[[], None]:
    """Start `write_manifest(path, project)` on a thread of its own; the function returned
    waits for it and raises what it raised.

    The manifest describes the loaded project, not the build's results (dbt too
    writes it once parsing is done), so it need not wait for the build: most of a
    build is DuckDB's work, during which the interpreter is free for the encoding
    (a tenth of a one-model rebuild at 5,000 models was its writing, afterwards)."""
    from warehouse.core.background import meanwhile

    def write() -> None:
        if getattr(project, "late_checks", None) is not None:
            # The models' columns come from their checks, which begin with the build
            project.late_checks.wait(begin=False)
        write_manifest(path, project)

    return meanwhile(write, name="warehouse-manifest")


def _manifest_head(project: Any) -> dict[str, Any]:
    return metadata(MANIFEST_SCHEMA, project_name=project.config.name, adapter_type="duckdb")


def _entry_of(project: Any) -> Any:
    """A node's manifest entry by its id (None for a node the project does not have)."""
    ids, names = _ids(project), _Names(project)

    def entry(node_id: Any) -> dict[str, Any] | None:
        node = project.nodes.get(node_id)
        if node is None or node_id not in ids:
            return None
        return node_entry(project, node, ids, project.fingerprints.get(node_id), names)

    return entry


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def run_results(result: Any, project: Any = None) -> dict[str, Any]:
    """target/run_results.json: dbt's v6 layout; our statuses and counts under `warehouse`
    in each result's adapter_response (result_entries.py), the run's under args."""
    from warehouse.run.result_entries import entry

    ids = _ids(project) if project is not None else {}
    return {**_run_results_head(result), "results": [entry(r, ids) for r in result.results]}


def run_results_json(result: Any, project: Any = None) -> bytes:
    """`run_results(result, project)` as write_json encodes it, its results written from
    their template (result_entries.py: 12,500 of them at 5,000 models)."""
    head, results = run_results_parts(result, project)
    return f'{json.dumps(head, default=str)[:-1]}, "results": {results}}}'.encode()


def run_results_parts(result: Any, project: Any = None) -> tuple[dict[str, Any], str]:
    """run_results.json but its results, and its results as JSON text."""
    from warehouse.run.result_entries import entries_json

    ids = _ids(project) if project is not None else {}
    made = None
    if result.made_entries is not None:
        try:
            made = result.made_entries()
        except Exception:  # (made again here, where its error is the caller's)
            made = None
    return _run_results_head(result), entries_json(result.results, ids, made)


def prepare_entries(results: list[Any], project: Any) -> Any:
    """Start making the run_results entries of `results` (12,500 at 5,000 models, for a
    one-model rebuild too) on a thread, while DuckDB checkpoints the work file and lets
    go of the interpreter; a function that waits for them (`RunResult.made_entries`).
    (Beside the nodes' own run they gained nothing: DuckDB's query threads have the
    cores then.)"""
    from warehouse.core.background import meanwhile, quick_switches
    from warehouse.run.result_entries import entry_texts

    def make() -> Any:
        with quick_switches():
            return entry_texts(results, _ids(project))

    return meanwhile(make, name="warehouse-results")


def _run_results_head(result: Any) -> dict[str, Any]:
    return {
        "metadata": metadata(RUN_RESULTS_SCHEMA),
        "elapsed_time": round(result.elapsed, 4),
        "args": {"which": result.command, KEY: {
            "engine_version": __version__, "published": result.published,
            "database": str(result.database)}},
    }


def result_statuses(data: dict[str, Any]) -> dict[str, str]:
    """Each node's status by our node id (`model.orders`), read back from run_results."""
    out = {}
    for entry in data["results"]:
        ours = (entry.get("adapter_response") or {}).get(KEY) or {}
        out[ours.get("node", entry["unique_id"])] = ours.get("status", entry["status"])
    return out
