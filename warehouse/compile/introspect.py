"""A model whose SQL is only known at run time: what the load keeps of it, and what it may read.

dbt renders with `execute` false at parse time, so a template's run-time
branch (`{% if execute %}...{% endif %}`) never runs at load: what it will
call (`run_query`, `adapter.get_columns_in_relation` ...) cannot be seen by
rendering. It is read off the templates instead: the model's own and, by
name, every macro it calls, transitively (`static_kinds`). The planner needs
it before the node runs: a model that only reads the columns of relations is
skipped like any other when its parents are unchanged; one that runs queries
on data is run every time (compile/jinja_context.py's DATA_KINDS).

The load keeps such a model's template-level render (unchecked: with no
database, it may be incomplete SQL, as dbt's parse-time render is), and a
digest of everything the run-time render depends on besides its parents:
the template, the project's macros and the vars.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from warehouse.compile.jinja_context import (
    COLUMNS,
    EXECUTE,
    FLAGS,
    GRAPH,
    INVOCATION,
    QUERY,
    UNKNOWN,
)
from warehouse.core.nodes import ModelNode

_NAME_KINDS = {
    "run_query": QUERY, "statement": QUERY, "load_result": QUERY, "store_result": QUERY,
    "store_raw_result": QUERY, "date_spine": QUERY, "get_intervals_between": QUERY,
    "graph": GRAPH, "selected_resources": GRAPH, "flags": FLAGS,
    "invocation_id": INVOCATION, "run_started_at": INVOCATION,
}
_ADAPTER_KINDS = {
    "get_columns_in_relation": COLUMNS, "get_relation": COLUMNS, "already_exists": COLUMNS,
    "execute": QUERY, "check_schema_exists": QUERY, "get_missing_columns": COLUMNS,
    "list_relations_without_caching": QUERY, "list_relations": QUERY,
    "create_schema": QUERY, "drop_schema": QUERY, "drop_relation": QUERY,
}


def defer_model(renderer: Any, model: ModelNode, sql: str, touched: set[str],
                vars: Mapping[str, Any]) -> ModelNode:
    """`model` to be rendered again at run time: its load render kept as it is, what it
    may read, and the digest of its render's inputs."""
    from warehouse.core.identity import checksum

    kinds = set(touched)
    if EXECUTE in kinds:  # its run-time branch was not rendered: read what it calls
        kinds |= static_kinds(renderer, model.path)
    inputs = checksum(model.template, macros_digest(renderer),
                      json.dumps(vars, sort_keys=True, default=repr))
    config_text = json.dumps(model.config, sort_keys=True, default=str)
    return replace(model, compiled_sql=sql, sql_columns=(), volatile=(), incremental_sql="",
                   checksum=checksum(sql, config_text, inputs),
                   runtime_kinds=tuple(sorted(kinds)), render_inputs=inputs)


def macros_digest(renderer: Any) -> str:
    """One digest of every macro file's text, computed once per renderer."""
    from warehouse.core.identity import checksum

    found = getattr(renderer, "_warehouse_macros_digest", None)
    if found is None:
        paths = sorted({path for path, _macro in renderer.macros.values()}
                       | set(_package_macro_files(renderer).values()))
        found = checksum(*(f"{p}\0{renderer.source_text(p) or ''}" for p in paths))
        renderer._warehouse_macros_digest = found
    return found


def static_kinds(renderer: Any, path: str) -> set[str]:
    """What the template at `path`, and every macro it may call, could read at run time."""
    macro_files = {name: p for name, (p, _macro) in renderer.macros.items()}
    macro_files.update(_package_macro_files(renderer))
    kinds: set[str] = set()
    seen: set[str] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        tree = renderer.parse_template(current)
        if tree is None:
            kinds.add(UNKNOWN)
            continue
        found, called = _reads(tree, macro_files, renderer.env.globals)
        kinds |= found
        todo.extend(called)
    return kinds


def _package_macro_files(renderer: Any) -> dict[str, str]:
    """`package.macro` -> its file, for every installed package's macro."""
    library = getattr(renderer, "library", None)
    index = getattr(library, "index", None) or {}
    return {f"{package}.{name}": path for package, names in index.items()
            for name, path in names.items()}


def _reads(tree: Any, macro_files: Mapping[str, str], globals_: Mapping[str, Any]
           ) -> tuple[set[str], list[str]]:
    """The kinds one template's names say it reads, and the macro files it calls."""
    from jinja2 import nodes

    kinds: set[str] = set()
    called: list[str] = []

    in_packages: dict[str, list[str]] = {}  # a bare name may be any package's macro
    for key, path in macro_files.items():
        if "." in key:
            in_packages.setdefault(key.rpartition(".")[2], []).append(path)

    def macro(name: str) -> None:
        for key in (name, f"duckdb__{name}", f"default__{name}"):
            if key in macro_files:
                called.append(macro_files[key])
            called.extend(in_packages.get(key, ()))

    for name in tree.find_all(nodes.Name):
        if name.name in _NAME_KINDS:
            kinds.add(_NAME_KINDS[name.name])
        macro(name.name)
    for attr in tree.find_all(nodes.Getattr):
        if not isinstance(attr.node, nodes.Name):
            continue
        base = attr.node.name
        if base == "adapter":
            if attr.attr in _ADAPTER_KINDS:
                kinds.add(_ADAPTER_KINDS[attr.attr])
        elif base == "dbt":
            kinds.update(k for k in (_NAME_KINDS.get(attr.attr),) if k)
            macro(attr.attr)
        elif f"{base}.{attr.attr}" in macro_files:  # a package's macro
            called.append(macro_files[f"{base}.{attr.attr}"])
        elif callable(getattr(globals_.get(base), "macro_path", None)):
            found = globals_[base].macro_path(attr.attr)
            if found is None:
                kinds.add(UNKNOWN)
            else:
                called.append(found)
    for call in tree.find_all(nodes.Call):
        target = call.node
        if (isinstance(target, nodes.Getattr) and target.attr == "dispatch"
                and isinstance(target.node, nodes.Name) and target.node.name == "adapter"):
            first = call.args[0] if call.args else None
            if not isinstance(first, nodes.Const):
                kinds.add(UNKNOWN)  # a computed macro name: could be anything
                continue
            suffix = (f"duckdb__{first.value}", f"default__{first.value}")
            called.extend(p for key, p in macro_files.items()
                          if key.endswith(suffix) and key.rpartition(".")[2] in suffix)
    return kinds, called
