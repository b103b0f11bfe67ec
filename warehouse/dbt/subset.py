"""The edge of the dbt subset: what a dbt project may use, what is ignored, what is refused.

The rule is one: a construct that builds nothing (documentation, exposures,
metrics) is ignored with a note; a construct that would change a table or a
test result (python models, uninstalled packages' macros, configs the engine does not
honour) is a ProjectError naming the construct
and its file. A dbt project therefore builds the tables dbt would build, or
fails loudly, never builds something else quietly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from warehouse.core.config import dbt_schema_name
from warehouse.core.errors import ProjectError, Unsupported

# Configs the engine honours, per resource type.
HONOURED = {
    "model": frozenset({"materialized", "schema", "alias", "tags", "enabled", "unique_key",
                        "incremental_strategy", "full_refresh", "on_schema_change",
                        "contract", "pre-hook", "post-hook", "pre_hook", "post_hook"}),
    "seed": frozenset({"schema", "alias", "tags", "enabled", "column_types", "full_refresh"}),
    # compile/snapshots.py checks their values (and `target_database`: this database only)
    "snapshot": frozenset({"schema", "alias", "tags", "enabled", "unique_key", "strategy",
                           "updated_at", "check_cols", "target_schema", "target_database",
                           "hard_deletes", "invalidate_hard_deletes", "materialized",
                           "snapshot_meta_column_names", "dbt_valid_to_current"}),
}
# Configs that change nothing in the warehouse's tables (documentation, access, quoting
# of seed headers, which DuckDB treats alike either way).
IGNORED = frozenset({"docs", "meta", "description", "grants", "group", "access",
                     "quote_columns", "labels", "latest_version", "deprecation_date",
                     "event_time", "column_types_as_declared"})
# Configs accepted only with the value that means what the engine does anyway (none
# since contracts and on_schema_change are honoured).
ONLY_DEFAULT: Mapping[str, Any] = {}
# Configs the engine does not use and that change no table it builds (other adapters'
# physical layout, dbt-duckdb's DuckLake options, comments): ignored with one note per
# key and load (IgnoredConfigs). Any config the engine does not know is noted the same way.
NOTED: Mapping[str, str] = {
    "persist_docs": "table and column comments are not written",
    "sort": "an adapter's physical layout", "dist": "an adapter's physical layout",
    "sort_type": "an adapter's physical layout", "cluster_by": "an adapter's physical layout",
    "partition_by": "an adapter's physical layout",
    "partitioned_by": "dbt-duckdb uses it for DuckLake tables only",
    "sorted_by": "dbt-duckdb uses it for DuckLake tables only",
    "sort_by": "dbt-duckdb uses it for DuckLake tables only",
    "file_format": "an adapter's storage format", "location_root": "an adapter's storage",
    "indexes": "DuckDB indexes change no result", "transient": "an adapter's table kind",
    "copy_grants": "grants are not applied", "query_tag": "an adapter's session setting",
    "bind": "a view option of another adapter", "on_configuration_change": "for "
    "materialized views, which the engine does not build",
    "quoting": "DuckDB matches names alike, quoted or not",
}
_REASONS = {
    "database": "the engine builds into the one database of the profile",
    "sql_header": "the header would run before the model's SQL",
    "incremental_predicates": "the engine's merge does not filter the existing rows",
    "predicates": "the engine's merge does not filter the existing rows",
    "delimiter": "seeds are read as comma-separated",
}
KNOWN = (HONOURED["model"] | HONOURED["seed"] | HONOURED["snapshot"] | IGNORED | set(ONLY_DEFAULT)
         | set(_REASONS))


def check_node_config(config: Any, cfg: Mapping[str, Any], path: str, resource_type: str,
                      locate: Callable[[str], dict[str, Any]] | None = None,
                      ignored: IgnoredConfigs | None = None) -> None:
    """Refuse, for this node only, configs of a dbt project's model or seed that would
    change what is built and that the engine does not honour (an Unsupported error, at
    the key: `locate` says where it was written, compile/config_origin.py); record the
    ones it ignores in `ignored`, for one note per key.

    A pyproject project is validated by its own rules (project.py); this is the
    gate for projects written for dbt."""
    if not str(getattr(config, "config_file", "")).endswith("dbt_project.yml"):  # (packages')
        return
    target_database = Path(str(getattr(config, "database", ""))).stem
    for key, value in cfg.items():
        if key == "database" and value in (None, "", target_database):
            continue  # the target's own database: what the engine builds into anyway
        problem = config_problem(key, value, resource_type)
        if problem:
            where = locate(key) if locate else {"path": path}
            if where.get("path") != path:
                problem += f" ({resource_type} {path})"
            raise Unsupported(problem, **where)
        note = config_note(key, value, resource_type)
        if note and ignored is not None:
            ignored.add(key, note, _place(locate(key) if locate else {"path": path}))


def config_problem(key: str, value: Any, resource_type: str) -> str | None:
    """Why the dbt config `key: value` cannot be honoured (it would build something else
    than dbt), or None when it is honoured or changes nothing the engine builds."""
    if key in HONOURED.get(resource_type, ()) or key in IGNORED:
        return None
    if key in ONLY_DEFAULT:
        if value in (None, ONLY_DEFAULT[key]):
            return None
        return (f"the dbt config {key}={value!r} of this {resource_type} is not supported "
                f"(only {ONLY_DEFAULT[key]!r})")
    reason = _REASONS.get(key)
    if reason is None:  # another resource type's config, or one noted (config_note)
        return None
    return f"the dbt config {key!r} of this {resource_type} is not supported: {reason}"


def config_note(key: str, value: Any, resource_type: str) -> str | None:
    """Why the config `key` is ignored, for the note printed once per key; None when it is
    honoured, refused, or documentation only."""
    if key in HONOURED.get(resource_type, ()) or key in IGNORED or key in _REASONS:
        return None
    if key in NOTED:
        return NOTED[key]
    if _is_other_kinds(key):
        return f"a config of other resource types, not of a {resource_type}"
    return "not a config the engine knows; dbt passes it on to the adapter"


def _is_other_kinds(key: str) -> bool:
    return any(key in keys for keys in HONOURED.values())


def _place(where: Mapping[str, Any]) -> str:
    path, line = where.get("path") or "?", where.get("line")
    return f"{path}:{line}" if line else str(path)


class IgnoredConfigs:
    """The configs one load ignores, each with the places it was written: one note per
    key (never one per node: a folder config applies to hundreds of models)."""

    SHOWN = 3  # places named in a note; the rest are counted

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, dict[str, None]]] = {}

    def add(self, key: str, reason: str, place: str) -> None:
        _reason, places = self._keys.setdefault(key, (reason, {}))
        places[place] = None

    def notes(self) -> list[str]:
        out = []
        for key, (reason, places) in sorted(self._keys.items()):
            names = list(places)
            shown = ", ".join(names[:self.SHOWN])
            more = f" and {len(names) - self.SHOWN} more" if len(names) > self.SHOWN else ""
            out.append(f"config {key!r} ignored ({reason}): {shown}{more}")
        return out


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
        names[package] = ("this package is not installed: list it in packages.yml and run "
                          "`dbt deps`")
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
    (python models); return notes on what is ignored."""
    notes: list[str] = []
    for rel, path in _files(root, paths["test"], "*.sql"):
        if "{% test" in path.read_text(encoding="utf-8").replace("{%-", "{%"):
            raise ProjectError("a generic test defined under test-paths is not supported",
                               path=rel, hint="move the {% test %} block into a file under "
                               "macros/ (the engine reads generic tests from macro-paths)")
    analyses = [rel for rel, _ in _files(root, paths["analysis"], "*.sql")]
    if analyses:
        notes.append(f"{len(analyses)} analyses ignored (they build nothing): {analyses[0]}"
                     + (" ..." if len(analyses) > 1 else ""))
    for rel, path in _files(root, paths["model"] + paths["seed"] + paths["snapshot"], "*.yml",
                            "*.yaml"):
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
