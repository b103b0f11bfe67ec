"""The edge of the dbt subset: what a dbt project may use, what is ignored, what is refused.

The rule is one: a construct that builds nothing (documentation, exposures,
metrics) is ignored with a note; a construct that would change a table or a
test result (snapshots, python models, package macros, configs the engine does
not honour) is a ProjectError naming the construct
and its file. A dbt project therefore builds the tables dbt would build, or
fails loudly, never builds something else quietly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warehouse.core.config import dbt_schema_name
from warehouse.core.errors import ProjectError

# Configs the engine honours, per resource type.
HONOURED = {
    "model": frozenset({"materialized", "schema", "alias", "tags", "enabled", "unique_key",
                        "incremental_strategy", "full_refresh", "pre-hook", "post-hook",
                        "pre_hook", "post_hook"}),
    "seed": frozenset({"schema", "alias", "tags", "enabled", "column_types", "full_refresh"}),
}
# Configs that change nothing in the warehouse's tables (documentation, access, quoting
# of seed headers, which DuckDB treats alike either way).
IGNORED = frozenset({"docs", "persist_docs", "meta", "description", "grants", "group",
                     "access", "quote_columns", "labels", "latest_version", "deprecation_date"})
# Configs accepted only with the value that means what the engine does anyway.
ONLY_DEFAULT: Mapping[str, Any] = {"on_schema_change": "ignore", "contract": None}
_REASONS = {
    "database": "the engine builds into the one database of the profile",
    "sql_header": "the header would run before the model's SQL",
    "incremental_predicates": "the engine's merge does not filter the existing rows",
    "delimiter": "seeds are read as comma-separated",
}
KNOWN = HONOURED["model"] | HONOURED["seed"] | IGNORED | set(ONLY_DEFAULT) | set(_REASONS)


def check_node_config(config: Any, cfg: Mapping[str, Any], path: str, resource_type: str,
                      locate: Callable[[str], dict[str, Any]] | None = None) -> None:
    """Refuse configs of a dbt project's model or seed that the engine would not honour.

    A pyproject project is validated by its own rules (project.py); this is the
    stricter gate for projects written for dbt. `locate` says where a config key was
    written (compile/config_origin.py): the error is reported there."""
    if getattr(config, "config_file", "") != "dbt_project.yml":
        return
    for key, value in cfg.items():
        problem = config_problem(key, value, resource_type)
        if problem:
            where = locate(key) if locate else {"path": path}
            if where.get("path") != path:
                problem += f" ({resource_type} {path})"
            raise ProjectError(problem, **where)


def config_problem(key: str, value: Any, resource_type: str) -> str | None:
    """Why the dbt config `key: value` cannot be honoured, or None when it can."""
    if key in HONOURED.get(resource_type, ()) or key in IGNORED:
        return None
    if key in ONLY_DEFAULT:
        default = ONLY_DEFAULT[key]
        if key == "contract":
            enforced = value.get("enforced") if isinstance(value, Mapping) else value
            if not enforced:
                return None
            return f"the dbt config 'contract' (enforced) of this {resource_type} is not supported"
        if value in (None, default):
            return None
        return (f"the dbt config {key}={value!r} of this {resource_type} is not supported "
                f"(only {default!r})")
    reason = _REASONS.get(key)
    return (f"the dbt config {key!r} of this {resource_type} is not supported"
            + (f": {reason}" if reason else ""))


# ---------------------------------------------------------------------------
# Jinja names outside the subset
# ---------------------------------------------------------------------------

_PACKAGE_NAMESPACES = ("dbt_utils", "dbt_expectations", "dbt_date", "codegen", "audit_helper",
                       "dbt_external_tables", "elementary", "metrics", "dbt_project_evaluator")
# dbt's Jinja context (adapter, run_query, statement, load_result, graph, dbt.*) is
# compile/jinja_context.py's; no name of it is refused any more.
_JINJA_REASONS: dict[str, str] = {}


def refused_jinja_names() -> dict[str, str]:
    """dbt's Jinja names outside the subset, each with the reason it is refused: the
    renderer turns each into a global that raises, naming itself and the template line."""
    names = dict(_JINJA_REASONS)
    for package in _PACKAGE_NAMESPACES:
        names[package] = "macros from dbt packages are not supported"
    return names


def default_macros(target: Mapping[str, Any]) -> dict[str, Any]:
    """dbt's default naming macros that a project's own `generate_schema_name` may call
    (`execute` is compile/jinja_context.py's: false at load, true at run time)."""
    schema = str(target.get("schema", "main"))

    def default_schema_name(custom_schema_name: Any = None, node: Any = None) -> str:
        return dbt_schema_name(schema, custom_schema_name)

    def schema_name_for_env(custom_schema_name: Any = None, node: Any = None) -> str:
        if target.get("name") == "prod" and custom_schema_name:
            return str(custom_schema_name).strip()
        return schema

    def default_alias_name(custom_alias_name: Any = None, node: Any = None) -> str:
        if custom_alias_name:
            return str(custom_alias_name).strip()
        return str(node["name"] if isinstance(node, Mapping) else node.name)

    return {"default__generate_schema_name": default_schema_name,
            "generate_schema_name_for_env": schema_name_for_env,
            "default__generate_alias_name": default_alias_name}


# ---------------------------------------------------------------------------
# Files outside the subset
# ---------------------------------------------------------------------------

def scan_dbt_files(root: Any, paths: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Refuse files a dbt project may hold that would build something the engine does not
    (python models, snapshots, package dependencies); return notes on what is ignored."""
    notes: list[str] = []
    for name in ("packages.yml", "dependencies.yml"):
        _check_packages(root, name)
    for rel, _path in _files(root, paths["model"], "*.py"):
        raise ProjectError("python models are not supported (this model would build a "
                           "table the engine cannot run)", path=rel)
    for rel, _path in _files(root, paths["snapshot"], "*.sql", "*.yml", "*.yaml"):
        raise ProjectError("snapshots are not supported (the snapshot-paths folder holds one)",
                           path=rel)
    for rel, path in _files(root, paths["test"], "*.sql"):
        if "{% test" in path.read_text(encoding="utf-8").replace("{%-", "{%"):
            raise ProjectError("a generic test defined under test-paths is not supported",
                               path=rel, hint="move the {% test %} block into a file under "
                               "macros/ (the engine reads generic tests from macro-paths)")
    analyses = [rel for rel, _ in _files(root, paths["analysis"], "*.sql")]
    if analyses:
        notes.append(f"{len(analyses)} analyses ignored (they build nothing): {analyses[0]}"
                     + (" ..." if len(analyses) > 1 else ""))
    for rel, path in _files(root, paths["model"] + paths["seed"], "*.yml", "*.yaml"):
        notes += _check_property_file(rel, path)
    return notes


def _files(root: Any, folders: tuple[str, ...], *patterns: str) -> list[tuple[str, Any]]:
    found = []
    for folder in folders:
        base = root / folder
        if base.is_dir():
            for pattern in patterns:
                found += [p for p in base.rglob(pattern) if p.is_file()]
    return [(p.relative_to(root).as_posix(), p) for p in sorted(set(found))]


def _check_packages(root: Any, name: str) -> None:
    import yaml

    path = root / name
    if not path.is_file():
        return
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ProjectError(f"invalid YAML: {exc}", path=name) from None
    for key in ("packages", "projects"):
        entries = data.get(key) if isinstance(data, Mapping) else None
        if entries:
            first = entries[0] if isinstance(entries, list) else entries
            label = (first.get("package") or first.get("git") or first.get("local")
                     or first.get("name")) if isinstance(first, Mapping) else first
            raise ProjectError(f"dbt packages are not supported ({name} lists {label!r})",
                               path=name, hint="the engine provides no package macros; "
                               "copy the macros you need into macros/")


def _check_property_file(rel: str, path: Any) -> list[str]:
    """Notes for the top-level keys of a property file that build nothing. Which keys may
    be there is core/property_keys.py's rule, applied (with the line) when the file is
    loaded; the notes are made here because this runs on every load, cache hit or not."""
    import yaml

    from warehouse.core.property_keys import IGNORED_TOP_LEVEL

    try:
        # libyaml's loader, as properties.load_yaml (which reports errors, with their line)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=loader)
    except yaml.YAMLError:
        return []
    if not isinstance(data, Mapping):
        return []
    return [f"{rel}: '{key}:' ignored ({IGNORED_TOP_LEVEL[key]})"
            for key, value in data.items() if key in IGNORED_TOP_LEVEL and value]
