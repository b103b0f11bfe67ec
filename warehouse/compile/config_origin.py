"""Where a node's config was written, so an error about it points at the line to correct.

A model's config is merged from three places (the project's folder configs,
its property file's `config:`, its own `{{ config(...) }}` call), and the one
written last wins. An error about a config value (an unknown materialization, a
merge without a unique_key) is reported where the winning value was written:
the key in the `config()` call of the .sql file, the key under `config:` in
the YAML file, or the key in pyproject.toml or dbt_project.yml. Only errors
need this, so nothing here runs on a load that succeeds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from warehouse.core.config import Locate, ProjectConfig, folder_config_origin
from warehouse.core.errors import ProjectError, caret_snippet
from warehouse.core.properties import NodeProps

_CONFIG_CALL = re.compile(r"(?<![\w.])config\s*\(")
_BLOCK_END = re.compile(r"[}%]}")

ConfigLocator = Callable[[str], dict[str, Any]]


def config_locator(config: ProjectConfig, property_texts: Mapping[str, str], *, path: str,
                   kind: str, folders: tuple[str, ...], props: NodeProps | None,
                   sql_config: Mapping[str, Any] | None = None,
                   template: str | None = None) -> ConfigLocator:
    """A function from a config key of the node at `path` (a model or seed, in `folders`
    under its resource folder, named by the last of them) to a ProjectError's location
    keywords (path, line, column, snippet) where that key's value was written."""

    def locate(key: str) -> dict[str, Any]:
        if sql_config is not None and key in sql_config:
            return {"path": path, **(sql_config_position(template or "", key) or {})}
        if props is not None and key in props.config:
            return _in_properties(props, key, property_texts.get(props.path, ""))
        tree = config.tree(kind)
        origin = folder_config_origin(tree, folders, key)
        if origin is not None:
            return setting_locator(config)((f"{kind}s", *origin), True)
        return {"path": path}

    return locate


def setting_locator(config: ProjectConfig) -> Locate:
    """Where the project's config file (`[tool.warehouse]` of pyproject.toml, or
    dbt_project.yml) sets a key. The file is read again: only an error needs this."""
    if config.config_file.endswith("dbt_project.yml"):  # a dbt project's, or a package's
        from warehouse.dbt.project import project_locator

        folder = config.config_file[:-len("dbt_project.yml")]
        locate = project_locator(config.root / folder)
        if not folder:
            return locate
        return lambda keys, value=False: {**locate(keys, value), "path": config.config_file}
    from warehouse.core.textfile import read_text
    from warehouse.core.toml_positions import toml_locator

    try:
        text = read_text(config.root / config.config_file, config.config_file)
    except ProjectError:
        text = ""
    return toml_locator(text, ("tool", "warehouse"), config.config_file)


def _in_properties(props: NodeProps, key: str, text: str) -> dict[str, Any]:
    line, column = props.config_marks.get(key, (props.line, None))
    snippet = caret_snippet(text, line, column, len(key)) if line else None
    return {"path": props.path, "line": line, "column": column, "snippet": snippet or None}


def sql_config_position(template: str, key: str) -> dict[str, Any] | None:
    """line, column and snippet of `key=` in the template's `config(...)` call (of the
    first call when none names it), or None when the template holds no call (a macro
    may have made it)."""
    first = None
    for call in _CONFIG_CALL.finditer(template):
        end = _BLOCK_END.search(template, call.end())
        inside = template[call.end():end.start() if end else len(template)]
        named = re.search(rf"(?<![\w.]){re.escape(key)}\s*=(?!=)", inside)
        if named:
            return _at(template, call.end() + named.start(), len(key))
        first = first if first is not None else call.start()
    return _at(template, first, len("config")) if first is not None else None


def _at(template: str, offset: int, width: int) -> dict[str, Any]:
    line = template.count("\n", 0, offset) + 1
    column = offset - (template.rfind("\n", 0, offset) + 1) + 1
    return {"line": line, "column": column,
            "snippet": caret_snippet(template, line, column, width) or None}
