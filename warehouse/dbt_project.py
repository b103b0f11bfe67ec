"""Read a dbt project (`dbt_project.yml` + a DuckDB profile) into a ProjectConfig.

Only the subset the engine supports is accepted; anything else is named in
an error rather than ignored, so a dbt project never builds silently wrong.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from warehouse.config import ProjectConfig, config_from_mapping
from warehouse.errors import ProjectError

_UNSUPPORTED = ("on-run-start", "on-run-end", "dispatch", "query-comment", "snapshots",
                "analyses", "packages-install-path")


def load_dbt_config(root: Path) -> ProjectConfig:
    from warehouse.properties import load_yaml, strip_lines

    path = root / "dbt_project.yml"
    project = strip_lines(load_yaml(path.read_text(encoding="utf-8"), "dbt_project.yml")) or {}
    if not isinstance(project, Mapping) or "name" not in project:
        raise ProjectError("dbt_project.yml needs a name", path="dbt_project.yml")
    for key in _UNSUPPORTED:
        if project.get(key):
            raise ProjectError(f"the dbt setting {key!r} is not supported",
                               path="dbt_project.yml")
    if (root / "packages.yml").is_file() or (root / "dependencies.yml").is_file():
        raise ProjectError("dbt packages are not supported", path="packages.yml")
    name = str(project["name"])
    profile = _profile(root, str(project.get("profile") or name))
    section: dict[str, Any] = {
        "name": name,
        "database": profile.get("path", "warehouse.duckdb"),
        "threads": int(profile.get("threads", 4)),
        "default_schema": profile.get("schema", "main"),
        "target_path": project.get("target-path", "target"),
        "vars": project.get("vars") or {},
        "models": _own_tree(project.get("models") or {}, name),
        "seeds": _own_tree(project.get("seeds") or {}, name),
    }
    for dbt_key, key in (("model-paths", "model_paths"), ("seed-paths", "seed_paths"),
                         ("macro-paths", "macro_paths"), ("test-paths", "test_paths"),
                         ("docs-paths", "docs_paths")):
        if dbt_key in project:
            section[key] = project[dbt_key]
    return config_from_mapping(root, section, "dbt_project.yml")


def _own_tree(tree: Mapping[str, Any], project_name: str) -> Mapping[str, Any]:
    """dbt nests folder configs under the project name; top-level `+` keys apply to all."""
    own = {k: v for k, v in tree.items() if k.startswith("+")}
    for key, value in tree.items():
        if key.startswith("+"):
            continue
        if key != project_name:
            raise ProjectError(f"configs for package {key!r} are not supported "
                               f"(only this project, {project_name!r})", path="dbt_project.yml")
        own.update(value or {})
    return own


def _profile(root: Path, name: str) -> Mapping[str, Any]:
    from warehouse.properties import load_yaml, strip_lines

    folder = Path(os.environ.get("DBT_PROFILES_DIR", root))
    path = folder / "profiles.yml"
    if not path.is_file():
        path = Path.home() / ".dbt" / "profiles.yml"
    if not path.is_file():
        return {}
    profiles = strip_lines(load_yaml(path.read_text(encoding="utf-8"), str(path))) or {}
    profile = profiles.get(name)
    if not isinstance(profile, Mapping):
        raise ProjectError(f"profile {name!r} not found", path=str(path))
    target_name = os.environ.get("DBT_TARGET") or profile.get("target", "dev")
    target = (profile.get("outputs") or {}).get(target_name)
    if not isinstance(target, Mapping):
        raise ProjectError(f"target {target_name!r} of profile {name!r} not found",
                           path=str(path))
    if target.get("type") != "duckdb":
        raise ProjectError(f"only DuckDB targets are supported, not {target.get('type')!r}",
                           path=str(path))
    for key in ("extensions", "attach", "plugins", "filesystems", "secrets"):
        if target.get(key):
            raise ProjectError(f"the dbt-duckdb setting {key!r} is not supported", path=str(path))
    return target
