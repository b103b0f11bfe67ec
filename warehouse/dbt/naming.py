"""Where a model or seed lands: its schema and table name, as dbt decides them.

dbt does not use a node's `schema` config as the schema: it calls the
`generate_schema_name` macro, whose default prefixes the target schema
(`+schema: staging` on target schema `main` gives `main_staging`). A project
may override that macro (and `generate_alias_name`); when it does, the
override is called here, with the arguments dbt passes, so a dbt project's
tables land where dbt would put them. A pyproject project keeps the engine's
own rule (`schema` is the schema) unless it defines the macro itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warehouse.core.errors import ProjectError


def node_schema(config: Any, renderer: Any, cfg: Mapping[str, Any], name: str, path: str,
                resource_type: str) -> str:
    """The schema of one node: the project's `generate_schema_name`, else the default rule."""
    custom = cfg.get("schema")
    macro = renderer.naming_macro("generate_schema_name", path)
    if macro is None:
        return config.schema_name(custom)
    value = _call(renderer, macro, path, custom_schema_name=custom,
                  node=_node_context(config, cfg, name, path, resource_type))
    return _identifier(value, macro, renderer, name)


def node_alias(config: Any, renderer: Any, cfg: Mapping[str, Any], name: str, path: str,
               resource_type: str) -> str:
    """The table name of one node: the project's `generate_alias_name`, else alias or name."""
    custom = cfg.get("alias")
    macro = renderer.naming_macro("generate_alias_name", path)
    if macro is None:
        return str(custom or name)
    value = _call(renderer, macro, path, custom_alias_name=custom,
                  node=_node_context(config, cfg, name, path, resource_type))
    return _identifier(value, macro, renderer, name)


def _call(renderer: Any, macro: str, path: str, **kwargs: Any) -> Any:
    """The project's macro, called by the renderer (`warehouse.compile.render.Renderer`)
    as the file at `path` would call it."""
    return renderer.call_macro(macro, path, **kwargs)


def _identifier(value: Any, macro: str, renderer: Any, name: str) -> str:
    text = str(value).strip()
    if not text or text == "None":
        where = renderer.macros[macro][0] if macro in renderer.macros else None
        raise ProjectError(f"macro {macro} returned no name for {name!r}", path=where)
    return text


def _node_context(config: Any, cfg: Mapping[str, Any], name: str, path: str,
                  resource_type: str) -> dict[str, Any]:
    """The parts of dbt's `node` object that naming macros read."""
    from pathlib import PurePosixPath

    parts = PurePosixPath(path).with_suffix("").parts
    return {"name": name, "resource_type": resource_type, "path": path,
            "original_file_path": path, "package_name": config.name,
            "fqn": [config.name, *parts[1:]], "config": dict(cfg),
            "unique_id": f"{resource_type}.{config.name}.{name}"}


def node_relation(config: Any, renderer: Any, cfg: Mapping[str, Any], name: str, path: str,
                  resource_type: str) -> Any:
    """The Relation a model or seed is built as."""
    from warehouse.core.identity import Relation

    return Relation(node_schema(config, renderer, cfg, name, path, resource_type),
                    node_alias(config, renderer, cfg, name, path, resource_type))
