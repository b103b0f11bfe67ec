"""Project configuration: `[tool.warehouse]` in pyproject.toml, validated once.

Everything downstream reads the frozen `ProjectConfig`; nothing else parses
TOML. Folder-level model configs follow dbt's `models:` block: a key that
starts with `+` (or whose value is not a table) is a config, a table is a
sub-folder, and deeper folders override shallower ones.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.core.textfile import read_text

MATERIALIZATIONS = frozenset({"view", "table", "incremental", "ephemeral"})
INCREMENTAL_STRATEGIES = frozenset({"append", "merge", "delete+insert"})
_KNOWN_KEYS = frozenset(
    {
        "database", "target_path", "model_paths", "seed_paths", "macro_paths", "test_paths",
        "docs_paths", "threads", "vars", "models", "seeds", "name", "default_schema",
    }
)


def dbt_schema_name(target_schema: str, custom: Any) -> str:
    """dbt's default `generate_schema_name`: the target's schema, suffixed with the custom
    one when a node sets it (`main` + `staging` is `main_staging`)."""
    if custom is None or str(custom).strip() == "":
        return target_schema
    return f"{target_schema}_{str(custom).strip()}"


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    name: str = "warehouse"
    database: Path = Path("warehouse.duckdb")
    target_dir: Path = Path("target")
    model_paths: tuple[str, ...] = ("models",)
    seed_paths: tuple[str, ...] = ("seeds",)
    macro_paths: tuple[str, ...] = ("macros",)
    test_paths: tuple[str, ...] = ("tests",)
    docs_paths: tuple[str, ...] = ("models", "docs")
    threads: int = 4
    default_schema: str = "main"
    vars: Mapping[str, Any] = field(default_factory=dict)
    model_tree: Mapping[str, Any] = field(default_factory=dict)
    seed_tree: Mapping[str, Any] = field(default_factory=dict)
    config_file: str = "pyproject.toml"
    # "warehouse": `schema` config is the schema itself; "dbt": dbt's default
    # generate_schema_name, `<target schema>_<schema>` (set for dbt projects).
    schema_naming: str = "warehouse"
    target_name: str = "dev"
    profile_name: str = ""

    def schema_name(self, custom: Any) -> str:
        """The schema of a node whose `schema` config is `custom` (None: not set)."""
        if self.schema_naming == "dbt":
            return dbt_schema_name(self.default_schema, custom)
        if custom is None or str(custom).strip() == "":
            return self.default_schema
        return str(custom)

    def target_context(self) -> dict[str, Any]:
        """What templates see as `target` (dbt's target: the profile's chosen output)."""
        return {"name": self.target_name, "type": "duckdb", "schema": self.default_schema,
                "threads": self.threads, "profile_name": self.profile_name or self.name,
                "database": self.database.stem, "path": str(self.database)}

    def folder_config(self, kind: str, rel_parts: tuple[str, ...]) -> dict[str, Any]:
        """Merged configs for a file at `rel_parts` (folders under the model or seed path)."""
        tree = self.model_tree if kind == "model" else self.seed_tree
        return resolve_folder_config(tree, rel_parts)


_ADDITIVE = frozenset({"tags"})  # dbt: lists that accumulate from folder to file
_MERGED = frozenset({"meta", "docs"})  # dbt: dictionaries merged key by key


def should_full_refresh(config: Mapping[str, Any], flag: bool) -> bool:
    """dbt's rule: a node's own `full_refresh` config, when set, wins over --full-refresh
    (`full_refresh: false` protects a large incremental table from the flag)."""
    value = config.get("full_refresh")
    return flag if value is None else value is True


def unique_key_columns(unique_key: Any) -> list[str]:
    """A `unique_key` config (a column, a comma-separated list, or a list) as column names."""
    if unique_key is None:
        return []
    if isinstance(unique_key, str):
        return [k.strip() for k in unique_key.split(",") if k.strip()]
    return [str(k) for k in unique_key]


def merge_configs(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`, as dbt merges config levels: tags accumulate,
    meta and docs merge, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if key in _ADDITIVE and key in merged:
            old = merged[key]
            old = [old] if isinstance(old, str) else list(old or [])
            new = [value] if isinstance(value, str) else list(value or [])
            merged[key] = list(dict.fromkeys(old + new))
        elif key in _MERGED and isinstance(value, Mapping) and isinstance(merged.get(key),
                                                                           Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def resolve_folder_config(tree: Mapping[str, Any], folders: tuple[str, ...]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    level: Mapping[str, Any] | None = tree
    for depth in range(len(folders) + 1):
        if level is None:
            break
        merged = merge_configs(merged, {
            key[1:] if key.startswith("+") else key: value for key, value in level.items()
            if key.startswith("+") or not isinstance(value, Mapping)})
        if depth < len(folders):
            nxt = level.get(folders[depth])
            level = nxt if isinstance(nxt, Mapping) else None
    return merged


def find_project_root(start: Path) -> Path:
    """The nearest folder (from `start` up) holding a warehouse or dbt project file."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "dbt_project.yml").is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.warehouse" in pyproject.read_text(
                encoding="utf-8", errors="replace"):
            return folder
    raise ProjectError(
        f"no project found in {start} or its parents",
        hint="a project is a folder with a pyproject.toml holding a [tool.warehouse] table "
        "(or a dbt_project.yml); use --project-dir to point at one",
    )


def load_pyproject_config(root: Path) -> ProjectConfig:
    """`[tool.warehouse]` of `root`/pyproject.toml (a dbt project is read by warehouse.dbt)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        raise ProjectError(f"{root} has no pyproject.toml (nor dbt_project.yml)")
    try:
        data = tomllib.loads(read_text(path, "pyproject.toml"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"invalid TOML: {exc}", path="pyproject.toml") from None
    section = data.get("tool", {}).get("warehouse")
    if section is None:
        raise ProjectError("no [tool.warehouse] table", path="pyproject.toml")
    return config_from_mapping(root, section, "pyproject.toml")


def config_from_mapping(root: Path, section: Mapping[str, Any], source: str) -> ProjectConfig:
    unknown = sorted(set(section) - _KNOWN_KEYS)
    if unknown:
        raise ProjectError(
            f"unknown key(s) in [tool.warehouse]: {', '.join(unknown)}",
            path=source,
            hint=f"known keys: {', '.join(sorted(_KNOWN_KEYS))}",
        )
    threads = section.get("threads", 4)
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ProjectError(f"threads must be a positive integer, got {threads!r}", path=source)
    for key in ("vars", "models", "seeds"):
        if not isinstance(section.get(key, {}), Mapping):
            raise ProjectError(f"[tool.warehouse.{key}] must be a table", path=source)
    _validate_tree(section.get("models", {}), source, "models")
    folders = {key: _paths(section, key, default, source) for key, default in _FOLDERS.items()}
    database = _path_setting(section, "database", "warehouse.duckdb", source)
    target = _path_setting(section, "target_path", "target", source)
    _check_locations(root, database, target, folders, source)
    return ProjectConfig(
        root=root,
        name=str(section.get("name", root.name)),
        database=database,
        target_dir=target,
        **folders,
        threads=threads,
        default_schema=str(section.get("default_schema", "main")),
        vars=MappingProxyType(dict(section.get("vars", {}))),
        model_tree=MappingProxyType(dict(section.get("models", {}))),
        seed_tree=MappingProxyType(dict(section.get("seeds", {}))),
        config_file=source,
    )


_FOLDERS = {"model_paths": ("models",), "seed_paths": ("seeds",), "macro_paths": ("macros",),
            "test_paths": ("tests",), "docs_paths": ("models", "docs")}


def _path_setting(section: Mapping[str, Any], key: str, default: str, source: str) -> Path:
    value = section.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ProjectError(f"{key} must be a file path, got {value!r}", path=source)
    return Path(value)


def _check_locations(root: Path, database: Path, target: Path,
                     folders: Mapping[str, tuple[str, ...]], source: str) -> None:
    """Refuse places a build could not write to, or where writing would destroy the
    project: `warehouse clean` removes the target folder, so it must not be the project
    itself, hold it, or hold any folder of sources."""
    db = (root / database).resolve()
    if db.is_dir():
        raise ProjectError(f"database = {str(database)!r} is a folder; it must name the "
                           "warehouse file (such as warehouse.duckdb)", path=source)
    out = (root / target).resolve()
    if out.exists() and not out.is_dir():
        raise ProjectError(f"target_path = {str(target)!r} is a file; it must name a folder "
                           "for build artifacts (such as target)", path=source)
    project = root.resolve()
    guarded = [project, project / source] + [
        (project / f).resolve() for paths in folders.values() for f in paths]
    for place in guarded:
        if place == out or out in place.parents:
            what = "the project folder" if place == project else place.relative_to(project)
            raise ProjectError(f"target_path = {str(target)!r} would hold {what}: "
                               "`warehouse clean` deletes the target folder",
                               path=source, hint="use a folder of its own, such as target")


def _paths(section: Mapping[str, Any], key: str, default: tuple[str, ...], source: str):
    value = section.get(key, default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"{key} must be a list of folder names", path=source)
    return tuple(value)


def _validate_tree(tree: Mapping[str, Any], source: str, where: str) -> None:
    for key, value in tree.items():
        name = key.lstrip("+")
        if isinstance(value, Mapping) and not key.startswith("+"):
            _validate_tree(value, source, f"{where}.{key}")
        elif name == "materialized" and value not in MATERIALIZATIONS:
            raise ProjectError(
                f"{where}.{key} = {value!r} is not a materialization",
                path=source,
                hint=f"use one of {', '.join(sorted(MATERIALIZATIONS))}",
            )
