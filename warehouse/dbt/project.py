"""Read a dbt project (`dbt_project.yml` + a DuckDB profile) into a ProjectConfig.

Only the subset the engine supports is accepted; anything else is named in
an error rather than ignored, so a dbt project never builds silently wrong.
Settings that build nothing (`clean-targets`, `require-dbt-version`,
`exposures:` ...) are ignored. A dbt project names its schemas the dbt way:
`+schema: staging` on target schema `main` is `main_staging`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from warehouse.core.config import ProjectConfig, config_from_mapping
from warehouse.core.errors import ProjectError

FILE = "dbt_project.yml"
_PATHS = {  # dbt key (and its pre-1.0 spelling) → engine key
    "model-paths": "model_paths", "source-paths": "model_paths",
    "seed-paths": "seed_paths", "data-paths": "seed_paths",
    "macro-paths": "macro_paths", "test-paths": "test_paths", "docs-paths": "docs_paths",
}
_SCANNED = {"snapshot-paths": ("snapshots",), "analysis-paths": ("analyses",)}
_IGNORED = frozenset({"version", "config-version", "require-dbt-version", "clean-targets",
                      "log-path", "packages-install-path", "asset-paths", "query-comment",
                      "flags", "exposures", "metrics", "semantic-models", "saved-queries",
                      "restrict-access", "dbt-cloud", "analyses", "unit_tests", "unit-tests"})
_REFUSED = {
    "on-run-start": "it runs SQL the engine does not run",
    "on-run-end": "it runs SQL the engine does not run",
    "dispatch": "macro dispatch to packages is not supported",
    "snapshots": "snapshots are not supported",
    "sources": "source configs are not supported",
    "tests": "project-level test configs are not supported",
    "data_tests": "project-level test configs are not supported",
    "quoting": "quoting configs are not supported",
}
_USED = frozenset({"name", "profile", "target-path", "vars", "models", "seeds",
                   *_PATHS, *_SCANNED})


def load_dbt_config(root: Path, *, profiles_dir: str | Path | None = None,
                    target_name: str | None = None) -> ProjectConfig:
    from warehouse.core.properties import load_yaml, strip_lines
    from warehouse.core.textfile import read_text
    from warehouse.dbt.profile import load_target, render_value
    from warehouse.dbt.subset import scan_dbt_files

    path = root / FILE
    project = strip_lines(load_yaml(read_text(path, FILE), FILE)) or {}
    if not isinstance(project, Mapping) or not project.get("name"):
        raise ProjectError("dbt_project.yml needs a name", path=FILE)
    _check_keys(project)
    name = str(project["name"])
    target = load_target(root, str(project.get("profile") or name),
                         profiles_dir=profiles_dir, target_name=target_name)
    context = {"target": {"name": target.target, "schema": target.schema, "type": "duckdb",
                          "threads": target.threads, "profile_name": target.profile}}
    rendered = {k: (v if k in ("vars", "models", "seeds") else render_value(v, FILE, context))
                for k, v in project.items()}
    section: dict[str, Any] = {
        "name": name,
        "database": target.path,
        "threads": target.threads,
        "default_schema": target.schema,
        "target_path": rendered.get("target-path", "target"),
        "vars": _vars(rendered.get("vars") or {}, name),
        # configs are checked as written, then rendered (a refused hook never renders)
        "models": render_value(_config_tree(project.get("models") or {}, name, "model"),
                               FILE, context),
        "seeds": render_value(_config_tree(project.get("seeds") or {}, name, "seed"),
                              FILE, context),
    }
    for dbt_key, key in _PATHS.items():
        if dbt_key in rendered:
            section[key] = rendered[dbt_key]
    config = config_from_mapping(root, section, FILE)
    if "docs_paths" not in section:  # dbt reads docs blocks from every resource folder
        docs = config.model_paths + config.seed_paths + config.macro_paths + config.test_paths
        config = replace(config, docs_paths=tuple(dict.fromkeys(docs)))
    config = replace(config, schema_naming="dbt", target_name=target.target,
                     profile_name=target.profile)
    scanned = {"model": config.model_paths, "seed": config.seed_paths,
               "test": config.test_paths}
    for dbt_key, default in _SCANNED.items():
        value = rendered.get(dbt_key, default)
        scanned[dbt_key.split("-")[0]] = (value,) if isinstance(value, str) else tuple(value)
    notes = scan_dbt_files(root, scanned)
    if target.file is None:
        notes.insert(0, f"no profiles.yml found for profile {target.profile!r}; building into "
                        f"{target.path}, schema {target.schema}")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return config


def _check_keys(project: Mapping[str, Any]) -> None:
    for key, value in project.items():
        if key in _REFUSED and value:
            raise ProjectError(f"the dbt setting {key!r} is not supported: {_REFUSED[key]}",
                               path=FILE)
        if key not in _USED and key not in _IGNORED and key not in _REFUSED:
            raise ProjectError(f"unknown dbt_project.yml key {key!r}", path=FILE,
                               hint="supported: " + ", ".join(sorted(_USED)))


def _vars(tree: Mapping[str, Any], project_name: str) -> dict[str, Any]:
    """Global vars, with the ones scoped to this project (`vars: {name: {...}}`) on top."""
    if not isinstance(tree, Mapping):
        raise ProjectError("vars: must be a mapping", path=FILE)
    merged = {k: v for k, v in tree.items() if k != project_name}
    scoped = tree.get(project_name)
    if isinstance(scoped, Mapping):
        merged.update(scoped)
    return merged


def _config_tree(tree: Any, project_name: str, kind: str) -> Mapping[str, Any]:
    """dbt's `models:`/`seeds:` block as the engine's folder tree: the level named after
    the project is flattened, configs are `+key` whether written `+key` or `key`, and
    every config is one the engine honours or one that changes no table."""
    if not isinstance(tree, Mapping):
        raise ProjectError(f"{kind}s: must be a mapping", path=FILE)
    own: dict[str, Any] = {}
    for key, value in tree.items():
        if _is_config(key, value):
            own.update(_normalize({key: value}, f"{kind}s", kind))
        elif key == project_name:
            own.update(_normalize(value or {}, f"{kind}s.{key}", kind))
        else:
            raise ProjectError(f"{kind}s.{key}: configs for package {key!r} are not supported "
                               f"(only this project, {project_name!r})", path=FILE)
    return own


def _is_config(key: str, value: Any) -> bool:
    from warehouse.dbt.subset import KNOWN

    return key.startswith("+") or key in KNOWN or not isinstance(value, Mapping)


def _normalize(tree: Mapping[str, Any], where: str, kind: str) -> dict[str, Any]:
    from warehouse.dbt.subset import config_problem

    if not isinstance(tree, Mapping):
        raise ProjectError(f"{where} must be a mapping of folders and configs", path=FILE)
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if value is None and not key.startswith("+"):
            continue  # an empty folder entry configures nothing
        if _is_config(key, value):
            name = key.lstrip("+")
            problem = config_problem(name, value, kind)
            if problem:
                raise ProjectError(f"{where}.{key}: {problem}", path=FILE)
            out["+" + name] = value
        else:
            out[key] = _normalize(value, f"{where}.{key}", kind)
    return out
