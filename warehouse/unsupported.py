"""The edge of the dbt subset: what a dbt project may use, what is ignored, what is refused.

The rule is one: a construct that builds nothing (documentation, exposures,
metrics) is ignored with a note; a construct that would change a table or a
test result (hooks, snapshots, python models, package macros, `run_query`,
configs the engine does not honour) is a ProjectError naming the construct
and its file. A dbt project therefore builds the tables dbt would build, or
fails loudly, never builds something else quietly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warehouse.errors import ProjectError

# Configs the engine honours, per resource type.
HONOURED = {
    "model": frozenset({"materialized", "schema", "alias", "tags", "enabled", "unique_key",
                        "incremental_strategy", "full_refresh"}),
    "seed": frozenset({"schema", "alias", "tags", "enabled", "column_types", "full_refresh"}),
}
# Configs that change nothing in the warehouse's tables (documentation, access, quoting
# of seed headers, which DuckDB treats alike either way).
IGNORED = frozenset({"docs", "persist_docs", "meta", "description", "grants", "group",
                     "access", "quote_columns", "labels", "latest_version", "deprecation_date"})
# Configs accepted only with the value that means what the engine does anyway.
ONLY_DEFAULT: Mapping[str, Any] = {"on_schema_change": "ignore", "contract": None}
_REASONS = {
    "pre_hook": "hooks run SQL the engine does not run",
    "post_hook": "hooks run SQL the engine does not run",
    "pre-hook": "hooks run SQL the engine does not run",
    "post-hook": "hooks run SQL the engine does not run",
    "database": "the engine builds into the one database of the profile",
    "sql_header": "the header would run before the model's SQL",
    "incremental_predicates": "the engine's merge does not filter the existing rows",
    "delimiter": "seeds are read as comma-separated",
}
KNOWN = HONOURED["model"] | HONOURED["seed"] | IGNORED | set(ONLY_DEFAULT) | set(_REASONS)


def check_node_config(config: Any, cfg: Mapping[str, Any], path: str, resource_type: str) -> None:
    """Refuse configs of a dbt project's model or seed that the engine would not honour.

    A pyproject project is validated by its own rules (project.py); this is the
    stricter gate for projects written for dbt."""
    if getattr(config, "config_file", "") != "dbt_project.yml":
        return
    for key, value in cfg.items():
        problem = config_problem(key, value, resource_type)
        if problem:
            raise ProjectError(problem, path=path)


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
_JINJA_REASONS = {
    "adapter": "the engine has no adapter object; write the SQL in the model",
    "run_query": "it runs SQL while compiling, which the engine does not do",
    "statement": "it runs SQL while compiling, which the engine does not do",
    "load_result": "it reads the result of a statement block, which the engine does not run",
    "dbt": "dbt's cross-database macros are not provided; write DuckDB SQL",
    "graph": "the engine does not expose dbt's graph object to templates",
    "store_result": "it keeps the result of a statement block, which the engine does not run",
}


class Unsupported:
    """A Jinja global that raises when used, naming itself and the template line.

    Without it, `adapter.get_relation(...)` would fail as an undefined name;
    with it the message says which construct is outside the subset and why."""

    def __init__(self, name: str, reason: str) -> None:
        self._name = name
        self._reason = reason

    def __getattr__(self, attr: str) -> Unsupported:
        if attr.startswith("_") or attr.startswith("jinja"):
            raise AttributeError(attr)
        return Unsupported(f"{self._name}.{attr}", self._reason)

    def _fail(self, *_args: Any, **_kwargs: Any) -> Any:
        from warehouse.render import template_position

        path, line = template_position()
        raise ProjectError(f"{self._name} is not supported: {self._reason}", path=path,
                           line=line)

    __call__ = _fail
    __str__ = _fail
    __iter__ = _fail


def dbt_globals(target: Mapping[str, Any]) -> dict[str, Any]:
    """Jinja globals for dbt's names: the unsupported ones, and dbt's default macros that
    a project's own `generate_schema_name` may call."""
    names: dict[str, Any] = {n: Unsupported(n, r) for n, r in _JINJA_REASONS.items()}
    for package in _PACKAGE_NAMESPACES:
        names[package] = Unsupported(package, "macros from dbt packages are not supported")
    schema = str(target.get("schema", "main"))

    def default_schema_name(custom_schema_name: Any = None, node: Any = None) -> str:
        if custom_schema_name is None or str(custom_schema_name).strip() == "":
            return schema
        return f"{schema}_{str(custom_schema_name).strip()}"

    def schema_name_for_env(custom_schema_name: Any = None, node: Any = None) -> str:
        if target.get("name") == "prod" and custom_schema_name:
            return str(custom_schema_name).strip()
        return schema

    def default_alias_name(custom_alias_name: Any = None, node: Any = None) -> str:
        if custom_alias_name:
            return str(custom_alias_name).strip()
        return str(node["name"] if isinstance(node, Mapping) else node.name)

    names.update(default__generate_schema_name=default_schema_name,
                 generate_schema_name_for_env=schema_name_for_env,
                 default__generate_alias_name=default_alias_name, execute=True)
    return names
