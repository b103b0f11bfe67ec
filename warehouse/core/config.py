"""Project configuration: `[tool.warehouse]` in pyproject.toml, validated once.

Everything downstream reads the frozen `ProjectConfig`; nothing else parses
TOML. Folder-level model configs follow dbt's `models:` block: a key that
starts with `+` (or whose value is not a table) is a config, a table is a
sub-folder, and deeper folders override shallower ones.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Mapping
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
        "docs_paths", "threads", "vars", "models", "seeds", "name", "default_schema", "ack",
        "snapshot_paths", "snapshots",
        "targets",  # [tool.warehouse.targets.NAME]: other engines (adapters/spark/settings.py)
    }
)
# Where a key of the config section was written: (keys under the section, value=False) to
# a ProjectError's location keywords (path, line, column, snippet), at the key or its value.
Locate = Callable[..., dict[str, Any]]


def dbt_schema_name(target_schema: str, custom: Any) -> str:
    """dbt's default `generate_schema_name`: the target's schema, suffixed with the custom
    one when a node sets it (`main` + `staging` is `main_staging`)."""
    if custom is None or str(custom).strip() == "":
        return target_schema
    return f"{target_schema}_{str(custom).strip()}"


@dataclass(frozen=True)
class AckConfig:
    """`[tool.warehouse.ack]`: what `warehouse ack` writes and checks. An acknowledgement is
    a row (`id_column`, `reason_column`) appended to seed `seed`'s CSV file, for an id that
    exists in relation `checks` (`schema.name`) of the warehouse."""

    seed: str
    checks: str
    id_column: str
    reason_column: str


ACK_KEYS = ("seed", "checks", "id_column", "reason_column")
ACK_EXAMPLE = ('[tool.warehouse.ack]\nseed = "known_discrepancies"\n'
               'checks = "marts.rpt_consistency_check"\nid_column = "check_id"\n'
               'reason_column = "explanation"')


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
    snapshot_paths: tuple[str, ...] = ("snapshots",)
    threads: int = 4
    default_schema: str = "main"
    vars: Mapping[str, Any] = field(default_factory=dict)
    model_tree: Mapping[str, Any] = field(default_factory=dict)
    seed_tree: Mapping[str, Any] = field(default_factory=dict)
    snapshot_tree: Mapping[str, Any] = field(default_factory=dict)
    config_file: str = "pyproject.toml"
    # "warehouse": `schema` config is the schema itself; "dbt": dbt's default
    # generate_schema_name, `<target schema>_<schema>` (set for dbt projects).
    schema_naming: str = "warehouse"
    target_name: str = "dev"
    profile_name: str = ""
    ack: AckConfig | None = None  # None: the project has no [tool.warehouse.ack] table
    # A dbt project's installed packages (warehouse.dbt.package_config.PackageConfig, each
    # a ProjectConfig of its own) and its `dispatch:` search orders (namespace -> packages).
    packages: tuple[Any, ...] = ()
    dispatch: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # dbt_project.yml's `on-run-start` / `on-run-end`: SQL templates, rendered and run in
    # the build's working copy at its start and end (run/hooks.py).
    on_run_start: tuple[str, ...] = ()
    on_run_end: tuple[str, ...] = ()
    # A dbt profile output of `type: spark` (dbt/profile.py): master, warehouse_dir, conf.
    spark_target: Mapping[str, Any] | None = None

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
        """Merged configs for a file at `rel_parts` (folders under the model, seed or
        snapshot path)."""
        return resolve_folder_config(self.tree(kind), rel_parts)

    def tree(self, kind: str) -> Mapping[str, Any]:
        """The folder configs of one resource type ("model", "seed", "snapshot")."""
        return {"model": self.model_tree, "snapshot": self.snapshot_tree}.get(kind,
                                                                             self.seed_tree)


_ADDITIVE = frozenset({"tags"})  # dbt: lists that accumulate from folder to file
# dbt: hooks accumulate too, in order (the folder's run before the model's), duplicates
# kept; either spelling is one key.
HOOK_KEYS = {"pre_hook": "pre-hook", "post_hook": "post-hook", "pre-hook": "pre-hook",
             "post-hook": "post-hook"}
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
    """`override` on top of `base`, as dbt merges config levels: tags and hooks
    accumulate, meta and docs merge, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if key in HOOK_KEYS:
            key = HOOK_KEYS[key]
            prior, new = merged.get(key, []), value
            merged[key] = [*(x for v in (prior, new)
                             for x in ([v] if isinstance(v, (str, Mapping)) else v or []))]
        elif key in _ADDITIVE and key in merged:
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


def folder_config_origin(tree: Mapping[str, Any], folders: tuple[str, ...],
                         key: str) -> tuple[str, ...] | None:
    """The keys (folders, then the config as written) of the level whose `key` wins in
    resolve_folder_config, or None when no level sets it: where an error about that
    config of a node points."""
    found = None
    level, keys = tree, ()
    for depth in range(len(folders) + 1):
        for written in (f"+{key}", key):
            if written in level and (written[0] == "+" or not isinstance(level[written],
                                                                          Mapping)):
                found = (*keys, written)
                break
        nxt = level.get(folders[depth]) if depth < len(folders) else None
        if not isinstance(nxt, Mapping):
            break
        level, keys = nxt, (*keys, folders[depth])
    return found


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
    from warehouse.core.toml_positions import decode_error, toml_locator

    text = read_text(path, "pyproject.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise decode_error(exc, text, "pyproject.toml") from None
    tool = data.get("tool")
    section = tool.get("warehouse") if isinstance(tool, Mapping) else None
    if section is None:
        raise ProjectError("no [tool.warehouse] table", path="pyproject.toml")
    if not isinstance(section, Mapping):
        raise ProjectError("tool.warehouse must be a table", hint="write it as [tool.warehouse]",
                           **toml_locator(text, ("tool",), "pyproject.toml")(("warehouse",)))
    locate = toml_locator(text, ("tool", "warehouse"), "pyproject.toml")
    return config_from_mapping(root, section, "pyproject.toml", locate)


def config_from_mapping(root: Path, section: Mapping[str, Any], source: str,
                        locate: Locate | None = None) -> ProjectConfig:
    """The validated config of `section`. `locate` says where each key was written, so an
    error names its line (pyproject.toml's, or dbt_project.yml's and profiles.yml's for a
    dbt project); without it, errors name the file only."""
    at = locate or (lambda keys, value=False: {"path": source})
    _check_known_keys(section, at)
    threads = section.get("threads", 4)
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ProjectError(f"threads must be a positive integer, got {threads!r}",
                           **at(("threads",), True),
                           hint="threads is how many models build at once, such as 4")
    for key in ("vars", "models", "seeds", "snapshots"):
        if not isinstance(section.get(key, {}), Mapping):
            raise ProjectError(f"[tool.warehouse.{key}] must be a table", **at((key,), True),
                               hint=f"write it as a [tool.warehouse.{key}] table")
    if source != "dbt_project.yml":  # a dbt project's models each check their own
        _validate_tree(section.get("models", {}), at, ("models",))
    folders = {key: _paths(section, key, default, at) for key, default in _FOLDERS.items()}
    database = _path_setting(section, "database", "warehouse.duckdb", at)
    target = _path_setting(section, "target_path", "target", at)
    _check_locations(root, database, target, folders, source, at)
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
        snapshot_tree=MappingProxyType(dict(section.get("snapshots", {}))),
        config_file=source,
        ack=_ack_config(section.get("ack"), at),
    )


def _check_known_keys(section: Mapping[str, Any], at: Locate) -> None:
    """Refuse keys the engine does not read (a misspelt `thread` must not quietly build
    with the default), at the first one written, with the nearest known key."""
    unknown = sorted(set(section) - _KNOWN_KEYS)
    if not unknown:
        return
    places = {key: at((key,)) for key in unknown}
    first = min(unknown, key=lambda k: places[k].get("line") or float("inf"))
    close = difflib.get_close_matches(str(first), sorted(_KNOWN_KEYS), n=1)
    known = f"known keys: {', '.join(sorted(_KNOWN_KEYS))}"
    raise ProjectError(f"unknown key(s) in [tool.warehouse]: {', '.join(unknown)}",
                       **places[first],
                       hint=f"did you mean {close[0]!r}? ({known})" if close else known)


def _ack_config(table: Any, at: Locate) -> AckConfig | None:
    """`[tool.warehouse.ack]`, checked at load like every other key: all four keys are
    required (names are the project's own, there is no sensible default), each a name."""
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ProjectError("tool.warehouse.ack must be a table", **at(("ack",)),
                           hint=f"write it as a table:\n{ACK_EXAMPLE}")
    for key in table:
        if key not in ACK_KEYS:
            close = difflib.get_close_matches(str(key), ACK_KEYS, n=1)
            known = "keys: " + ", ".join(ACK_KEYS)
            raise ProjectError(f"unknown key {key!r} in [tool.warehouse.ack]",
                               **at(("ack", key)),
                               hint=f"did you mean {close[0]!r}? ({known})" if close else known)
    values = {}
    for key in ACK_KEYS:
        value = table.get(key)
        if value is None:
            raise ProjectError(f"[tool.warehouse.ack] needs {key}", **at(("ack",)),
                               hint=f"all of {', '.join(ACK_KEYS)} are required:\n{ACK_EXAMPLE}")
        parts = value.split(".") if isinstance(value, str) else []
        if not parts or not all(p.strip() for p in parts) or len(parts) > (
                2 if key == "checks" else 1):
            what = "a relation, `schema.name`" if key == "checks" else "a name"
            raise ProjectError(f"ack {key} must be {what}, got {value!r}",
                               **at(("ack", key), True), hint=ACK_EXAMPLE)
        values[key] = value.strip()
    return AckConfig(**values)


_FOLDERS = {"model_paths": ("models",), "seed_paths": ("seeds",), "macro_paths": ("macros",),
            "test_paths": ("tests",), "docs_paths": ("models", "docs"),
            "snapshot_paths": ("snapshots",)}


def _path_setting(section: Mapping[str, Any], key: str, default: str, at: Locate) -> Path:
    value = section.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ProjectError(f"{key} must be a file path, got {value!r}", **at((key,), True),
                           hint=f"a path relative to the project, such as {default!r}")
    return Path(value)


def _check_locations(root: Path, database: Path, target: Path,
                     folders: Mapping[str, tuple[str, ...]], source: str, at: Locate) -> None:
    """Refuse places a build could not write to, or where writing would destroy the
    project: `warehouse clean` removes the target folder, so it must not be the project
    itself, hold it, or hold any folder of sources."""
    db = (root / database).resolve()
    if db.is_dir():
        raise ProjectError(f"database = {str(database)!r} is a folder; it must name the "
                           "warehouse file (such as warehouse.duckdb)",
                           **at(("database",), True))
    out = (root / target).resolve()
    if out.exists() and not out.is_dir():
        raise ProjectError(f"target_path = {str(target)!r} is a file; it must name a folder "
                           "for build artifacts (such as target)",
                           **at(("target_path",), True))
    project = root.resolve()
    guarded = [project, project / source] + [
        (project / f).resolve() for paths in folders.values() for f in paths]
    for place in guarded:
        if place == out or out in place.parents:
            what = "the project folder" if place == project else place.relative_to(project)
            raise ProjectError(f"target_path = {str(target)!r} would hold {what}: "
                               "`warehouse clean` deletes the target folder",
                               **at(("target_path",), True),
                               hint="use a folder of its own, such as target")


def _paths(section: Mapping[str, Any], key: str, default: tuple[str, ...], at: Locate):
    value = section.get(key, default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"{key} must be a list of folder names", **at((key,), True),
                           hint=f"a list of folders relative to the project, such as "
                           f"{list(default)!r}")
    return tuple(value)


def _validate_tree(tree: Mapping[str, Any], at: Locate, keys: tuple[str, ...]) -> None:
    for key, value in tree.items():
        name = key.lstrip("+")
        if isinstance(value, Mapping) and not key.startswith("+"):
            _validate_tree(value, at, (*keys, key))
        elif name == "materialized" and value not in MATERIALIZATIONS:
            close = difflib.get_close_matches(str(value), sorted(MATERIALIZATIONS), n=1)
            raise ProjectError(
                f"{'.'.join((*keys, key))} = {value!r} is not a materialization",
                **at((*keys, key), True),
                hint=(f"did you mean {close[0]!r}? " if close else "")
                + f"use one of {', '.join(sorted(MATERIALIZATIONS))}",
            )
