"""Which keys a property file may hold at each level: the ones dbt accepts, no others.

A misspelt key (`colums:`) used to be skipped like any key the engine does not
read, and the tests under it vanished. Each level the engine reads now has
the list of keys dbt itself accepts there, whether the engine uses them or
not, so a real dbt project loads and a typo is an error at its line, with
the nearest known key as a suggestion. `config:` and `meta:` stay free-form
(configs are validated where they are applied), and test entries are checked
by compile/datatests.py.

The lists follow dbt-core's parser classes for property files
(core/dbt/contracts/graph/unparsed.py, 1.11 and main: UnparsedModelUpdate,
UnparsedNodeUpdate, UnparsedColumn, UnparsedSourceDefinition,
UnparsedSourceTableDefinition), the keys its patch parser moves into
`config:` (meta, docs, group, contract, access), and the JSON schema dbt
validates property files with since 1.10 (core/dbt/jsonschemas/resources/latest.json),
which adds a few adapter keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warehouse.core.errors import ProjectError, caret_snippet
from warehouse.core.yaml_load import LINE_KEY, item_position, key_position, value_position

# Top level: read by the engine (or harmless: `anchors:` only holds YAML anchors).
TOP_LEVEL_READ = frozenset({"version", "models", "seeds", "sources", "macros", "anchors",
                            "snapshots", "unit_tests"})
# Top level: resources that build nothing here; a dbt project gets a note for each.
IGNORED_TOP_LEVEL: Mapping[str, str] = {
    "exposures": "exposures build nothing",
    "metrics": "metrics build nothing",
    "semantic_models": "semantic models build nothing",
    "saved_queries": "saved queries build nothing",
    "groups": "groups build nothing",
    "analyses": "analyses build nothing",
    "data_tests": "properties of singular tests are documentation here",
    "tests": "properties of singular tests are documentation here",
}
# Top level: resources that would build something the engine does not.
_REFUSED_TOP_LEVEL = {
    "functions": "user-defined functions are not supported ('functions:' in a property file)",
}
TOP_LEVEL_KEYS = TOP_LEVEL_READ | set(IGNORED_TOP_LEVEL) | set(_REFUSED_TOP_LEVEL)

# Keys dbt moves from a model's or seed's top level into its config.
MOVED_TO_CONFIG = ("meta", "docs", "group", "contract", "access")
_NODE = frozenset({"name", "description", "config", "columns", "data_tests", "tests",
                   "constraints", "quote_columns", *MOVED_TO_CONFIG})
MODEL_KEYS = _NODE | {"latest_version", "versions", "deprecation_date", "time_spine",
                      "identifier",
                      # semantic layer keys of dbt's newer model properties
                      "semantic_model", "primary_entity", "agg_time_dimension", "metrics",
                      "derived_semantics"}
SEED_KEYS = _NODE
SNAPSHOT_KEYS = _NODE | {"relation"}  # dbt 1.9: a snapshot of `relation: ref('x')`, no SQL
COLUMN_KEYS = frozenset({"name", "description", "meta", "docs", "data_type", "constraints",
                         "config", "data_tests", "tests", "quote", "tags", "granularity",
                         "dimension", "entity",
                         # adapter keys in dbt's JSON schema (Databricks, BigQuery)
                         "column_mask", "databricks_tags", "policy_tags"})
_SOURCE_COMMON = frozenset({"name", "description", "meta", "config", "tags", "quoting",
                            "freshness", "loaded_at_field", "loaded_at_query", "loader"})
SOURCE_KEYS = _SOURCE_COMMON | {"database", "catalog", "schema", "tables", "overrides"}
SOURCE_TABLE_KEYS = _SOURCE_COMMON | {"docs", "constraints", "columns", "data_tests", "tests",
                                      "identifier", "external"}

# dbt's unit tests (UnparsedUnitTest and its fixtures, 1.8 to 1.11): checked by
# compile/unit_tests.py.
UNIT_TEST_KEYS = frozenset({"name", "model", "given", "expect", "description", "overrides",
                            "config", "versions"})
UNIT_GIVEN_KEYS = frozenset({"input", "rows", "format", "fixture"})
UNIT_EXPECT_KEYS = frozenset({"rows", "format", "fixture"})
UNIT_OVERRIDE_KEYS = frozenset({"macros", "vars", "env_vars"})
UNIT_CONFIG_KEYS = frozenset({"tags", "meta", "enabled", "static_analysis"})

# Configs of a model or seed written beside `config:` instead of under it (dbt ignores
# them there); the error says where they go.
_CONFIG_NAMES = frozenset({"materialized", "schema", "alias", "tags", "enabled", "unique_key",
                           "incremental_strategy", "full_refresh", "column_types",
                           "on_schema_change", "persist_docs", "grants", "pre_hook", "post_hook",
                           "pre-hook", "post-hook", "database", "sql_header", "delimiter",
                           "labels", "event_time", "batch_size", "lookback", "begin"})


def check_top_level(data: Mapping[str, Any], *, path: str, text: str) -> None:
    """The one rule for a property file's top-level keys, for every kind of project
    (dbt/subset.py only prints its notes for the ignored ones)."""
    for key, value in data.items():
        if key in _REFUSED_TOP_LEVEL and value:
            raise ProjectError(_REFUSED_TOP_LEVEL[key], path=path,
                               **located(data, key, text))
        if key in ("data_tests", "tests"):
            _check_singular_test_props(value, path, text)
        elif key != LINE_KEY and key not in TOP_LEVEL_KEYS:
            raise unknown_key(data, key, TOP_LEVEL_KEYS, "a property file", path=path,
                              text=text, kind="top-level key")


def _check_singular_test_props(entries: Any, path: str, text: str) -> None:
    """Descriptions of singular tests are documentation; a config there (severity, where)
    would change a result the engine reads from the test's own `{{ config() }}`."""
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, Mapping) and entry.get("config"):
            raise ProjectError(f"the config of singular test {entry.get('name')!r} in a "
                               "property file is not supported", path=path,
                               **located(entry, "config", text),
                               hint="set it in the test's SQL: {{ config(severity='warn') }}")


def check_keys(entry: Mapping[str, Any], allowed: frozenset[str], what: str, *, path: str,
               text: str) -> None:
    """Refuse the first key of `entry` that dbt does not accept at this level."""
    for key in entry:
        if key != LINE_KEY and key not in allowed:
            raise unknown_key(entry, key, allowed, what, path=path, text=text)


def unknown_key(entry: Mapping[str, Any], key: Any, allowed: frozenset[str], what: str, *,
                path: str, text: str, kind: str = "key") -> ProjectError:
    """The error for an unknown key, at the key: a config written beside `config:` is told
    so, a typo gets the nearest known key, anything else the keys known there."""
    close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    if key in _CONFIG_NAMES and any(allowed is level for level in (MODEL_KEYS, SEED_KEYS,
                                                                     SNAPSHOT_KEYS)):
        hint = f"{key!r} is a config: write it under `config:`"
    elif close:
        hint = f"did you mean {close[0]!r}?"
    else:
        hint = "known keys here: " + ", ".join(sorted(allowed))
    return ProjectError(f"unknown {kind} {key!r} in {what}", path=path, hint=hint,
                        **located(entry, key, text))


def located(entry: Mapping[str, Any], key: Any, text: str) -> dict[str, Any]:
    """line, column and snippet (a caret under the key) for a ProjectError."""
    line, column = key_position(entry, key)
    return at(text, line, column, len(str(key)))


def located_value(entry: Mapping[str, Any], key: Any, text: str) -> dict[str, Any]:
    """The same, under the value of `key`: what is wrong is the value, not its key."""
    line, column = value_position(entry, key)
    return at(text, line, column, _width(entry.get(key)))


def located_item(sequence: Any, index: int, text: str) -> dict[str, Any]:
    """The same, under item `index` of a YAML list (a bare string has no line otherwise)."""
    line, column = item_position(sequence, index)
    return at(text, line, column, _width(sequence[index]))


def at(text: str, line: int | None, column: int | None, width: int = 1) -> dict[str, Any]:
    """line, column and a caret snippet of `width` for a ProjectError."""
    snippet = caret_snippet(text, line, column, width) if line else None
    return {"line": line, "column": column, "snippet": snippet or None}


def _width(value: Any) -> int:
    """How many characters a caret spans under a value: a scalar's text, else 1."""
    is_scalar = isinstance(value, (str, int, float, bool)) and "\n" not in str(value)
    return len(str(value)) if is_scalar else 1


@dataclass(frozen=True)
class EntryPlace:
    """Where one entry of a YAML list was written (a test under `data_tests:`), and so where
    an error in it is reported: at the entry, or, given the file's text, at the key or value
    inside it that is wrong, with a caret. Without the text (entries built as plain data)
    everything is at the entry's line."""

    path: str
    line: int | None
    column: int | None = None
    text: str | None = None

    @classmethod
    def of(cls, entry: Any, position: tuple[int | None, int | None] | None, path: str,
           line: int | None, text: str | None) -> EntryPlace:
        """From the entry's `position` in its list, else its own line (a mapping), else
        `line` (the list's owner)."""
        if position and position[0] is not None:
            return cls(path, position[0], position[1], text)
        if isinstance(entry, Mapping) and entry.get(LINE_KEY) is not None:
            return cls(path, entry[LINE_KEY], None, text)
        return cls(path, line, None, text)

    def entry(self) -> dict[str, Any]:
        """line, column and snippet of the entry, for a ProjectError."""
        return at(self.text or "", self.line, self.column)

    def at(self, mapping: Any, key: Any, value: bool = True) -> dict[str, Any]:
        """The same at `key` of `mapping` (or at its value), when it was read from the text."""
        if self.text is None or key not in (getattr(mapping, "marks", None) or {}):
            return self.entry()
        return (located_value if value else located)(mapping, key, self.text)
