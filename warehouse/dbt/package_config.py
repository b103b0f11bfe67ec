"""An installed dbt package read as a project of its own, seen from the root project.

A package's models and seeds are built like the root's, with the configs dbt
gives them: the package's own `models:`/`seeds:` block, then the root
project's `models: <package>:` block on top (the root wins, key by key, at
whatever folder depth either sets it). Its folders are kept relative to the
root project (`dbt_packages/dbt_utils/macros`), so its files are read, cached
and reported by the paths a user sees. Its vars are its own dbt_project.yml's,
under the root project's `vars: <package>:`; the root's other vars (and
--vars) come first, as templates look them up.
"""

from __future__ import annotations

import posixpath
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from warehouse.core.config import ProjectConfig, merge_configs, resolve_folder_config
from warehouse.core.errors import ProjectError
from warehouse.core.yaml_load import LINE_KEY

_PATHS = {"model-paths": "model_paths", "source-paths": "model_paths",
          "seed-paths": "seed_paths", "data-paths": "seed_paths", "macro-paths": "macro_paths",
          "test-paths": "test_paths", "docs-paths": "docs_paths"}
_DEFAULTS = {"model_paths": ("models",), "seed_paths": ("seeds",), "macro_paths": ("macros",),
             "test_paths": ("tests",)}
_HOOKS = ("on-run-start", "on-run-end")


@dataclass(frozen=True)
class PackageConfig(ProjectConfig):
    """A package's configuration: a ProjectConfig (the root's database, target and schema
    naming; the package's folders, configs and vars) with the root's overrides."""

    package_dir: str = ""  # the package's folder, relative to the root project
    override_model_tree: Mapping[str, Any] = field(default_factory=dict)
    override_seed_tree: Mapping[str, Any] = field(default_factory=dict)

    def folder_config(self, kind: str, rel_parts: tuple[str, ...]) -> dict[str, Any]:
        """The package's own folder configs, then the root project's for the package."""
        own = {"model": self.model_tree, "seed": self.seed_tree}.get(kind, {})
        over = {"model": self.override_model_tree, "seed": self.override_seed_tree}.get(kind, {})
        return merge_configs(resolve_folder_config(own, rel_parts),
                             resolve_folder_config(over, rel_parts))


def read_package(root_config: ProjectConfig, package_dir: str,
                 overrides: Mapping[str, Mapping[str, Any]], root_vars: Mapping[str, Any],
                 context: Mapping[str, Any]) -> PackageConfig:
    """The package installed in `package_dir` (relative to the root project). `overrides`
    holds the root's `models:`/`seeds:` trees for it (by kind), `root_vars` the root's
    `vars:` block as written, `context` what its Jinja values may read (`target`)."""
    from warehouse.core.properties import load_yaml, strip_lines
    from warehouse.core.textfile import read_text
    from warehouse.dbt.profile import render_value

    shown = f"{package_dir}/dbt_project.yml"
    raw = load_yaml(read_text(root_config.root / shown, shown), shown) or {}
    data = strip_lines(raw)
    name = str(data["name"])
    folders = dict(_DEFAULTS)
    for dbt_key, key in _PATHS.items():
        if dbt_key in data:
            value = render_value(data[dbt_key], shown, context)
            folders[key] = _folders(value, dbt_key, shown)
    folders = {k: tuple(_under(package_dir, f) for f in v) for k, v in folders.items()}
    if "docs_paths" not in folders:
        folders["docs_paths"] = tuple(dict.fromkeys(
            folders["model_paths"] + folders["seed_paths"] + folders["macro_paths"]
            + folders["test_paths"]))
    for hook in _HOOKS:
        if data.get(hook):
            print(f"note: {shown}: the package's {hook} hooks are not run", file=sys.stderr)
    trees = {kind: _tree(data.get(f"{kind}s") or {}, name, f"{kind}s", shown)
             for kind in ("model", "seed")}
    trees = {kind: render_value(tree, shown, context) for kind, tree in trees.items()}
    own_vars = data.get("vars") or {}
    if not isinstance(own_vars, Mapping):
        raise ProjectError("vars: must be a mapping", path=shown)
    scoped = root_vars.get(name) if isinstance(root_vars, Mapping) else None
    merged_vars = _scoped_vars(own_vars, name)
    if isinstance(scoped, Mapping):
        merged_vars.update(scoped)
    return PackageConfig(
        **{f.name: getattr(root_config, f.name) for f in _inherited()},
        name=name, **folders, vars=MappingProxyType(merged_vars),
        model_tree=MappingProxyType(trees["model"]), seed_tree=MappingProxyType(trees["seed"]),
        config_file=shown, package_dir=package_dir,
        override_model_tree=MappingProxyType(dict(overrides.get("model") or {})),
        override_seed_tree=MappingProxyType(dict(overrides.get("seed") or {})))


def _inherited() -> list[Any]:
    """The root's settings a package shares: where it builds and how schemas are named."""
    from dataclasses import fields

    keep = {"root", "database", "target_dir", "threads", "default_schema", "schema_naming",
            "target_name", "profile_name"}
    return [f for f in fields(ProjectConfig) if f.name in keep]


def _under(package_dir: str, folder: str) -> str:
    return posixpath.normpath(posixpath.join(package_dir, Path(folder).as_posix()))


def _folders(value: Any, key: str, shown: str) -> tuple[str, ...]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"{key} must be a list of folder names", path=shown)
    return tuple(value)


def _scoped_vars(tree: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A package's own vars: the global ones, with those scoped to itself on top."""
    merged = {k: v for k, v in tree.items() if k != name}
    if isinstance(tree.get(name), Mapping):
        merged.update(tree[name])
    return merged


def _tree(tree: Any, name: str, where: str, shown: str) -> dict[str, Any]:
    """A package's own `models:` block as the engine's folder tree: the level named after
    the package flattened, configs written `+key`. Its configs are not checked here: a
    node's config is checked when that node is built (a disabled one never is)."""
    if not isinstance(tree, Mapping):
        raise ProjectError(f"{where}: must be a mapping", path=shown)
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if key == name and isinstance(value, Mapping):
            out.update(config_tree(value))
        elif _is_config(key, value):
            out["+" + str(key).lstrip("+")] = value
    return out


def config_tree(tree: Mapping[str, Any]) -> dict[str, Any]:
    """A folder tree with every config written `+key`; folders stay nested."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if key == LINE_KEY or (value is None and not str(key).startswith("+")):
            continue
        if _is_config(key, value):
            out["+" + str(key).lstrip("+")] = value
        else:
            out[str(key)] = config_tree(value)
    return out


def _is_config(key: Any, value: Any) -> bool:
    from warehouse.dbt.subset import KNOWN

    return str(key).startswith("+") or key in KNOWN or not isinstance(value, Mapping)


def with_packages(config: ProjectConfig, packages: tuple[PackageConfig, ...],
                  dispatch: Mapping[str, tuple[str, ...]]) -> ProjectConfig:
    """The root config holding its packages and its `dispatch:` search orders."""
    return replace(config, packages=packages, dispatch=MappingProxyType(dict(dispatch)))


def dispatch_orders(value: Any, text: str, shown: str = "dbt_project.yml"
                    ) -> dict[str, tuple[str, ...]]:
    """The root project's `dispatch:` list as {macro_namespace: search_order}, each entry
    checked where it was written."""
    from warehouse.core.property_keys import located, located_item

    if value is None:
        return {}
    if not isinstance(value, list):
        raise ProjectError("dispatch: must be a list of {macro_namespace, search_order}",
                           path=shown)
    orders: dict[str, tuple[str, ...]] = {}
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ProjectError("a dispatch entry must be a mapping with macro_namespace and "
                               "search_order", path=shown, **located_item(value, index, text))
        namespace, order = item.get("macro_namespace"), item.get("search_order")
        if not isinstance(namespace, str) or not namespace:
            raise ProjectError("a dispatch entry needs a macro_namespace (a package name)",
                               path=shown, **located_item(value, index, text))
        if (not isinstance(order, list) or not order
                or not all(isinstance(p, str) and p for p in order)):
            where = located(item, "search_order", text) if "search_order" in item else \
                located_item(value, index, text)
            raise ProjectError(f"dispatch of {namespace!r}: search_order must be a list of "
                               "package names", path=shown, **where)
        orders[namespace] = tuple(order)
    return orders
