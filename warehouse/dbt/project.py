"""Read a dbt project (`dbt_project.yml` + a DuckDB profile) into a ProjectConfig.

A setting that would build something else than dbt builds is refused, so a
dbt project never builds silently wrong; one the engine does not apply and
that changes no table (`quoting:`, project-level `tests:`, `query-comment:`) is
ignored with a note at its line; an unknown key is an error, as in dbt (which
validates the file against its schema); settings that
build nothing (`clean-targets`, `require-dbt-version`, `exposures:` ...) are
ignored. Model and seed configs are all kept: each node checks the ones that
reach it (dbt/subset.py), so one the engine would not honour fails those nodes
only. A dbt project names its schemas the dbt way: `+schema: staging` on target
schema `main` is `main_staging`.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from warehouse.core.config import Locate, ProjectConfig, config_from_mapping
from warehouse.core.errors import ProjectError
from warehouse.core.yaml_load import LINE_KEY

FILE = "dbt_project.yml"
_PATHS = {  # dbt key (and its pre-1.0 spelling) → engine key
    "model-paths": "model_paths", "source-paths": "model_paths",
    "seed-paths": "seed_paths", "data-paths": "seed_paths",
    "macro-paths": "macro_paths", "test-paths": "test_paths", "docs-paths": "docs_paths",
    "snapshot-paths": "snapshot_paths",
}
_SCANNED = {"analysis-paths": ("analyses",)}
_IGNORED = frozenset({"version", "config-version", "require-dbt-version", "clean-targets",
                      "log-path", "asset-paths",
                      "flags", "exposures", "metrics", "semantic-models", "saved-queries",
                      "restrict-access", "dbt-cloud", "analyses", "unit_tests", "unit-tests"})
_HOOKS = ("on-run-start", "on-run-end")
_REFUSED = {
    "sources": "source configs are not supported",
}
# Settings the engine does not apply and that change no table it builds: one note each.
_NOTED = {
    "quoting": "DuckDB matches names alike, quoted or not; the engine quotes every relation",
    "tests": "project-level test configs are not applied; each test's own config is",
    "data_tests": "project-level test configs are not applied; each test's own config is",
    "query-comment": "no comment is added to the SQL the engine runs",
}
_USED = frozenset({"name", "profile", "target-path", "vars", "models", "seeds", "snapshots",
                   "packages-install-path", "dispatch", *_HOOKS,
                   *_PATHS, *_SCANNED})
_ENGINE_KEYS = {"target_path": "target-path"}  # engine key -> dbt key, where they differ


def load_dbt_config(root: Path, *, profiles_dir: str | Path | None = None,
                    target_name: str | None = None,
                    cli_vars: Mapping[str, Any] | None = None) -> ProjectConfig:
    """`cli_vars` (--vars) are what `var()` reads in the file's settings, as in dbt; its
    `models:`/`seeds:` configs read the project's `vars:` too, --vars on top. Hooks
    (`on-run-*`, `pre-hook`, `post-hook`) are kept as written: they render at run time."""
    from warehouse.core.properties import load_yaml, strip_lines
    from warehouse.core.textfile import read_text
    from warehouse.dbt.profile import load_target, render_value
    from warehouse.dbt.subset import scan_dbt_files

    text = read_text(root / FILE, FILE)
    raw = load_yaml(text, FILE) or {}
    project = strip_lines(raw)
    if not isinstance(project, Mapping) or not project.get("name"):
        raise ProjectError("dbt_project.yml needs a name", path=FILE)
    name = str(project["name"])
    at = _yaml_locator(raw, text, name)
    key_notes = _check_keys(raw, at)
    target = load_target(root, str(project.get("profile") or name),
                         profiles_dir=profiles_dir, target_name=target_name,
                         named_at=at(("profile" if project.get("profile") else "name",)))
    context = {"target": {"name": target.target, "schema": target.schema, "type": "duckdb",
                          "threads": target.threads, "profile_name": target.profile},
               "var": _var_function(dict(cli_vars or {}))}
    rendered = {}
    for key, value in project.items():
        with _located(at, (key,)):
            rendered[key] = (value if key in ("vars", "models", "seeds", "snapshots", *_HOOKS)
                             else render_value(value, FILE, context))
    packages = _installed_packages(root, rendered)
    section: dict[str, Any] = {
        "name": name,
        "database": target.path,
        "threads": target.threads,
        "default_schema": target.schema,
        "target_path": rendered.get("target-path", "target"),
        "vars": _vars(rendered.get("vars") or {}, name, at),
    }
    configs_context = {**context, "var": _var_function({**section["vars"], **(cli_vars or {})})}
    for kind in ("model", "seed", "snapshot"):  # configs are checked as written, rendered
        with _located(at, (f"{kind}s",)):  # (a refused hook never renders)
            tree = _config_tree(raw.get(f"{kind}s") or {}, name, kind, text, packages)
            section[f"{kind}s"] = _render_configs(tree, configs_context)
    for dbt_key, key in _PATHS.items():
        if dbt_key in rendered:
            section[key] = rendered[dbt_key]

    def locate(keys: tuple[str, ...], value: bool = False) -> dict[str, Any]:
        return dict(target.path_at) if keys[0] == "database" and target.path_at else at(keys)

    config = config_from_mapping(root, section, FILE, locate)
    if "docs_paths" not in section:  # dbt reads docs blocks from every resource folder
        docs = (config.model_paths + config.seed_paths + config.macro_paths + config.test_paths
                + config.snapshot_paths)
        config = replace(config, docs_paths=tuple(dict.fromkeys(docs)))
    config = replace(config, schema_naming="dbt", target_name=target.target,
                     profile_name=target.profile, spark_target=target.spark,
                     on_run_start=_run_hooks(rendered, "on-run-start", at),
                     on_run_end=_run_hooks(rendered, "on-run-end", at))
    config = _with_packages(config, packages, raw, rendered, text, context)
    notes = key_notes + scan_dbt_files(root, _scanned(config, rendered, at))
    if target.file is None:
        notes.insert(0, f"no profiles.yml found for profile {target.profile!r}; building into "
                        f"{target.path}, schema {target.schema}")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return config


def _var_function(values: Mapping[str, Any]) -> Any:
    """`var(name, default)` over `values`: an unknown name without a default is an error."""
    missing = object()

    def var(name: str, default: Any = missing) -> Any:
        if name in values:
            return values[name]
        if default is missing:
            raise ProjectError(f"var {name!r} is not defined and has no default", path=FILE,
                               hint="set it under vars: or with --vars")
        return default

    return var


def _render_configs(tree: Any, context: Mapping[str, Any]) -> Any:
    """A folder-config tree rendered, its hooks left as written (they render at run time,
    with `this` and the build's database)."""
    from warehouse.core.config import HOOK_KEYS
    from warehouse.dbt.profile import render_value

    if not isinstance(tree, Mapping):
        return render_value(tree, FILE, context)
    return {k: (v if str(k).lstrip("+") in HOOK_KEYS else _render_configs(v, context))
            for k, v in tree.items()}


def _run_hooks(rendered: Mapping[str, Any], key: str, at: Locate) -> tuple[str, ...]:
    """`on-run-start`/`on-run-end` as SQL templates: one, or a list of them."""
    value = rendered.get(key)
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ProjectError(f"{key} must be SQL text or a list of it", **at((key,)))
    return tuple(items)


def _scanned(config: ProjectConfig, rendered: Mapping[str, Any],
             at: Locate) -> dict[str, tuple[str, ...]]:
    """The folders scan_dbt_files looks through, by resource type."""
    scanned = {"model": config.model_paths, "seed": config.seed_paths,
               "test": config.test_paths, "snapshot": config.snapshot_paths}
    for dbt_key, default in _SCANNED.items():
        value = rendered.get(dbt_key, default)
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ProjectError(f"{dbt_key} must be a list of folder names", **at((dbt_key,)))
        scanned[dbt_key.split("-")[0]] = tuple(value)
    return scanned


def project_locator(root: Path) -> Locate:
    """Where dbt_project.yml (read again: only an error needs it) writes a setting, named
    by its keys in the engine's config: ("models", "marts", "+materialized")."""
    from warehouse.core.properties import load_yaml
    from warehouse.core.textfile import read_text

    try:
        text = read_text(root / FILE, FILE)
        raw = load_yaml(text, FILE)
    except ProjectError:
        return lambda keys, value=False: {"path": FILE}
    name = raw.get("name") if isinstance(raw, Mapping) else None
    return _yaml_locator(raw, text, str(name))


def _yaml_locator(raw: Any, text: str, project_name: str) -> Locate:
    """Engine keys (config_from_mapping's, or dbt's own) to their place in dbt_project.yml:
    `target_path` is `target-path:`, and the folder tree's configs are looked for below
    the project's own level too, written `+key` or `key`."""
    from warehouse.core.property_keys import located

    def locate(keys: tuple[str, ...], value: bool = False) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            return {"path": FILE}
        first = _ENGINE_KEYS.get(keys[0], keys[0])
        first = next((d for d, k in _PATHS.items() if k == keys[0] and d in raw), first)
        if first not in raw:  # a default (or a profile's setting): no line here
            return {"path": FILE}
        mapping, key, level = raw, first, raw.get(first)
        for depth, part in enumerate(keys[1:]):
            if not isinstance(level, Mapping):
                break
            if depth == 0 and _written(level, part) is None and isinstance(
                    level.get(project_name), Mapping):
                level = level[project_name]  # flattened by _config_tree
            written = _written(level, part)
            if written is None:
                break
            mapping, key, level = level, written, level[written]
        return {"path": FILE, **located(mapping, key, text)}

    return locate


def _written(level: Mapping[str, Any], key: str) -> str | None:
    """`key` as written in `level`: itself, or a config without (or with) its `+`."""
    bare = key.lstrip("+")
    return next((k for k in (key, bare, "+" + bare) if k in level), None)


@contextmanager
def _located(at: Locate, keys: tuple[str, ...]) -> Iterator[None]:
    """An error in dbt_project.yml without a line (an unset env_var() in a value, say) is
    given the line of the key being read."""
    try:
        yield
    except ProjectError as exc:
        where = at(keys)
        if exc.line is None and exc.path == where.get("path"):
            exc.line, exc.column = where.get("line"), where.get("column")
            exc.snippet = where.get("snippet")
        raise


def _check_keys(project: Mapping[str, Any], at: Locate) -> list[str]:
    """Refuse the settings that would build something else and unknown keys (dbt refuses
    them too: a misspelt `modle-paths` must not build the wrong folder); the notes for
    the ones ignored, each with its line."""
    known = sorted({*_USED, *_IGNORED, *_REFUSED, *_NOTED})
    notes = []
    for key, value in project.items():
        if key == LINE_KEY:
            continue
        if key in _REFUSED and value:
            raise ProjectError(f"the dbt setting {key!r} is not supported: {_REFUSED[key]}",
                               **at((key,)), hint=f"remove {key!r} from dbt_project.yml")
        where = at((key,))
        place = f"{FILE}:{where['line']}" if where.get("line") else FILE
        if key in _NOTED and value:
            notes.append(f"{place}: '{key}:' ignored ({_NOTED[key]})")
        elif key not in _USED and key not in _IGNORED and key not in _NOTED:
            close = difflib.get_close_matches(str(key), known, n=1)
            raise ProjectError(f"unknown dbt_project.yml key {key!r}", **where,
                               hint=(f"did you mean {close[0]!r}?" if close else
                                     "dbt_project.yml accepts: " + ", ".join(known)))
    return notes


def _vars(tree: Mapping[str, Any], project_name: str, at: Locate) -> dict[str, Any]:
    """Global vars, with the ones scoped to this project (`vars: {name: {...}}`) on top."""
    if not isinstance(tree, Mapping):
        raise ProjectError("vars: must be a mapping", **at(("vars",)))
    merged = {k: v for k, v in tree.items() if k != project_name}
    scoped = tree.get(project_name)
    if isinstance(scoped, Mapping):
        merged.update(scoped)
    return merged


def _config_tree(tree: Any, project_name: str, kind: str, text: str,
                 packages: Mapping[str, str] | None = None) -> Mapping[str, Any]:
    """dbt's `models:`/`seeds:` block (as read, with positions) as the engine's folder
    tree: the level named after the project is flattened, configs are `+key` whether
    written `+key` or `key`, and every config is one the engine honours or one that
    changes no table. Errors are at the key. The levels named after installed
    `packages` are theirs (`_with_packages`)."""
    from warehouse.core.property_keys import located

    if not isinstance(tree, Mapping):
        raise ProjectError(f"{kind}s: must be a mapping", path=FILE)
    own: dict[str, Any] = {}
    for key, value in tree.items():
        if key == LINE_KEY:
            continue
        if _is_config(key, value):
            own.update(_config_entry(tree, key, f"{kind}s", kind, text))
        elif key == project_name:
            own.update(_normalize(value or {}, f"{kind}s.{key}", kind, text))
        elif key in (packages or {}):
            continue
        else:
            raise ProjectError(f"{kind}s.{key}: configs for package {key!r} are not supported "
                               f"(only this project, {project_name!r})", path=FILE,
                               **located(tree, key, text))
    return own


def _is_config(key: Any, value: Any) -> bool:
    from warehouse.dbt.subset import KNOWN, NOTED

    return (str(key).startswith("+") or key in KNOWN or key in NOTED
            or not isinstance(value, Mapping))


def _normalize(tree: Mapping[str, Any], where: str, kind: str, text: str) -> dict[str, Any]:
    if not isinstance(tree, Mapping):
        raise ProjectError(f"{where} must be a mapping of folders and configs", path=FILE)
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if key == LINE_KEY or (value is None and not str(key).startswith("+")):
            continue  # an empty folder entry configures nothing
        if _is_config(key, value):
            out.update(_config_entry(tree, key, where, kind, text))
        else:
            out[str(key)] = _normalize(value, f"{where}.{key}", kind, text)  # a folder name
    return out


def _config_entry(tree: Mapping[str, Any], key: str, where: str, kind: str,
                  text: str) -> dict[str, Any]:
    """`key` of `tree` as the engine's `+name` config. Every config is kept, whether the
    engine honours it or not: each node it reaches checks it (dbt/subset.py
    check_node_config), so a config the engine would not honour fails those nodes only,
    at this line, and one it ignores is noted once."""
    from warehouse.core.yaml_load import strip_lines

    name = str(key).lstrip("+")
    return {"+" + name: strip_lines(tree[key])}


def _installed_packages(root: Path, rendered: Mapping[str, Any]) -> dict[str, str]:
    """The packages installed (name -> folder), each entry of packages.yml checked to be
    among them (warehouse/dbt/packages.py)."""
    from warehouse.dbt.packages import (
        DEFAULT_INSTALL_PATH,
        check_installed,
        installed,
        read_entries,
    )

    install_path = str(rendered.get("packages-install-path") or DEFAULT_INSTALL_PATH)
    entries, listing = read_entries(root)
    found = installed(root, install_path)
    check_installed(root, install_path, entries, listing, found)
    return found


def _with_packages(config: ProjectConfig, packages: Mapping[str, str], raw: Mapping[str, Any],
                   rendered: Mapping[str, Any], text: str,
                   context: Mapping[str, Any]) -> ProjectConfig:
    """The config with its packages, each with the root's `models: <package>:` configs,
    and the root's `dispatch:` search orders."""
    from warehouse.dbt.package_config import dispatch_orders, read_package, with_packages
    from warehouse.dbt.profile import render_value

    read = []
    for package, folder in packages.items():
        overrides = {}
        for kind in ("model", "seed"):
            tree = raw.get(f"{kind}s")
            level = tree.get(package) if isinstance(tree, Mapping) else None
            if isinstance(level, Mapping):
                normal = _normalize(level, f"{kind}s.{package}", kind, text)
                overrides[kind] = render_value(normal, FILE, context)
        read.append(read_package(config, folder, overrides, rendered.get("vars") or {},
                                 context))
    return with_packages(config, tuple(read), dispatch_orders(raw.get("dispatch"), text))
