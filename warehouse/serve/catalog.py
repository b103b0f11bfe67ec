"""`warehouse docs generate`: dbt's `target/catalog.json` (catalog v1) for tools that read it.

dbt's docs site, and the tools that read dbt's artifacts, learn the warehouse's
columns and types from catalog.json: one entry per built relation that a node
(model, seed, snapshot) or a source names, keyed by dbt's unique_id. It is
read from the published warehouse, opened read-only, so it describes what
readers see. `warehouse docs` (without `generate`) builds the engine's own
site, which reads the same catalog (serve/docs/catalog.py).

As dbt does, `generate` also writes manifest.json (not with `--no-compile`) and
copies the project's `asset-paths` folders into target/.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

CATALOG_SCHEMA = "https://schemas.getdbt.com/dbt/catalog/v1.json"
NO_STATS = {"has_stats": {"id": "has_stats", "label": "Has Stats?", "value": False,
                          "description": "Indicates whether there are statistics for this table",
                          "include": False}}

_RELATIONS_SQL = """
select t.table_schema, t.table_name, t.table_type, c.column_name, c.ordinal_position,
       c.data_type, current_database()
from information_schema.tables t
join information_schema.columns c
  on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema
 and c.table_name = t.table_name
where t.table_catalog = current_database()
order by t.table_schema, t.table_name, c.ordinal_position
"""


def command(project: Any, args: Any) -> int:
    """Write target/catalog.json (and manifest.json unless --no-compile); copy the assets."""
    from warehouse.core.atomic import write_json
    from warehouse.run.artifacts import write_manifest

    started = time.perf_counter()
    data, note = catalog(project)
    project.target_path.mkdir(parents=True, exist_ok=True)
    if not getattr(args, "no_compile", False):
        write_manifest(project.target_path / "manifest.json", project)
    write_json(project.target_path / "catalog.json", data)
    copied = copy_assets(project)
    print(f"wrote {project.target_path / 'catalog.json'}: {len(data['nodes'])} nodes, "
          f"{len(data['sources'])} sources in {time.perf_counter() - started:.2f}s")
    if copied:
        print(f"copied {', '.join(copied)} to {project.target_path}")
    if note:
        print(f"note: {note}; the catalog lists no relations")
    return 0


def catalog(project: Any) -> tuple[dict[str, Any], str]:
    """The catalog of the published warehouse, and why it is empty when it is."""
    from warehouse.run import dbt_ids
    from warehouse.run.artifacts import metadata
    from warehouse.serve.docs.catalog import open_read_only

    data: dict[str, Any] = {"metadata": metadata(CATALOG_SCHEMA), "nodes": {}, "sources": {},
                            "errors": None}
    session, note = open_read_only(project)
    if session is None:
        return data, note
    try:
        _, rows = session.query(_RELATIONS_SQL)
    finally:
        session.close()
    relations = _relations(rows)
    for node_id, node in sorted(project.nodes.items()):
        relation = getattr(node, "relation", None)
        built = node_id.kind.value == "source" or dbt_ids.is_built(node_id, node)
        if relation is None or not built:
            continue
        found = relations.get((relation.schema.lower(), relation.name.lower()))
        if found is None:
            continue
        uid = dbt_ids.unique_id(project, node)
        section = "sources" if node_id.kind.value == "source" else "nodes"
        data[section][uid] = {**found, "unique_id": uid}
    return data, ""


def _relations(rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Catalog entries (without unique_id) by lower-cased (schema, name)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for schema, name, kind, column, index, data_type, database in rows:
        entry = out.setdefault((schema.lower(), name.lower()), {
            "metadata": {"type": kind, "schema": schema, "name": name, "database": database,
                         "comment": None, "owner": None},
            "columns": {}, "stats": NO_STATS})
        entry["columns"][column] = {"type": data_type, "index": index, "name": column,
                                    "comment": None}
    return out


def copy_assets(project: Any) -> list[str]:
    """Copy each `asset-paths` folder of dbt_project.yml into target/, as dbt does; a
    folder that does not exist is passed over, as dbt passes it over."""
    root = Path(project.config.root)
    copied = []
    for folder in asset_paths(root):
        source = root / folder
        if not source.is_dir():
            continue
        shutil.copytree(source, project.target_path / folder, dirs_exist_ok=True)
        copied.append(folder)
    return copied


def asset_paths(root: Path) -> list[str]:
    """The project's `asset-paths` (dbt_project.yml); none for a pyproject project."""
    path = root / "dbt_project.yml"
    if not path.is_file():
        return []
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return []
    value = data.get("asset-paths") or []
    return [str(v) for v in value] if isinstance(value, list) else []
