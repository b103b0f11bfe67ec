"""Property files: dbt's schema.yml shape (`models:`, `seeds:`, `sources:`), validated here.

YAML is read with line numbers kept (yaml_load.py, which also refuses a key
written twice), so a problem in a property file is reported at its line. A
key dbt would not accept where it is written is an error too
(property_keys.py): a misspelt key must not drop what is under it. The
result is plain frozen data; nothing downstream touches YAML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.core import property_keys as keys
from warehouse.core.errors import ProjectError
from warehouse.core.yaml_load import LINE_KEY, load_yaml, strip_lines

__all__ = ["LINE_KEY", "ColumnProps", "NodeProps", "Properties", "SourceTableProps",
           "load_docs_blocks", "load_properties", "load_yaml", "strip_lines"]

_DOCS_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", re.S)


@dataclass(frozen=True)
class ColumnProps:
    name: str
    description: str = ""
    data_type: str | None = None
    tests: tuple[Any, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class NodeProps:
    """Properties of one model, seed or source table as written in YAML."""

    name: str
    path: str
    line: int | None
    description: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)
    columns: tuple[ColumnProps, ...] = ()
    tests: tuple[Any, ...] = ()
    # (line, column) where each key of `config` was written (under `config:`, or moved
    # there from the entry's top level): an error about a config points at it
    config_marks: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceTableProps:
    source_name: str
    schema: str
    props: NodeProps
    identifier: str
    source_description: str = ""


@dataclass(frozen=True)
class Properties:
    models: Mapping[str, NodeProps]
    seeds: Mapping[str, NodeProps]
    sources: Mapping[tuple[str, str], SourceTableProps]


def load_properties(files: Mapping[str, str]) -> Properties:
    """Merge every property file of the project; a name declared twice is an error, and so
    is a key dbt would not accept where it is written (property_keys.py)."""
    models: dict[str, NodeProps] = {}
    seeds: dict[str, NodeProps] = {}
    sources: dict[tuple[str, str], SourceTableProps] = {}
    for path, text in sorted(files.items()):
        data = load_yaml(text, path)
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise ProjectError("a property file must be a mapping (models:, seeds:, sources:)",
                               path=path)
        keys.check_top_level(data, path=path, text=text)
        src = _Source(path, text)
        for key, target in (("models", models), ("seeds", seeds)):
            for entry in _entries(data, key, path):
                if entry.get("versions"):
                    raise ProjectError(f"model versions are not supported ({entry['name']!r} "
                                       "lists versions:)", path=path, line=entry.get(LINE_KEY))
                props = _node_props(entry, key[:-1], src)
                if props.name in target:
                    raise ProjectError(f"{key[:-1]} {props.name!r} is described twice "
                                       f"(also in {target[props.name].path})", path=path,
                                       line=props.line)
                target[props.name] = props
        for entry in _entries(data, "sources", path):
            for table in _source_tables(entry, src):
                key2 = (table.source_name, table.props.name)
                if key2 in sources:
                    raise ProjectError(f"source {key2[0]}.{key2[1]} is declared twice", path=path,
                                       line=table.props.line)
                sources[key2] = table
    return Properties(models, seeds, sources)


@dataclass(frozen=True)
class _Source:
    """The file being read: its path for errors, its text for their snippets."""

    path: str
    text: str

    def check_keys(self, entry: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
        keys.check_keys(entry, allowed, what, path=self.path, text=self.text)

    def located(self, entry: Mapping[str, Any], key: str) -> dict[str, Any]:
        """line, column and snippet of `key` in `entry`, for a ProjectError."""
        return keys.located(entry, key, self.text)


_ALLOWED = {"model": keys.MODEL_KEYS, "seed": keys.SEED_KEYS,
            "source table": keys.SOURCE_TABLE_KEYS}


def _entries(data: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
    entries = data.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ProjectError(f"'{key}:' must be a list of mappings", path=path,
                           line=data.get(LINE_KEY))
    for entry in entries:
        if not isinstance(entry.get("name"), str):
            raise ProjectError(f"every entry under '{key}:' needs a name", path=path,
                               line=entry.get(LINE_KEY))
    return entries


def _tests_of(entry: Mapping[str, Any], src: _Source) -> tuple[Any, ...]:
    """`data_tests:` or its old name `tests:`; both at once would lose one list (dbt
    refuses it too)."""
    if entry.get("tests") and "data_tests" in entry:
        raise ProjectError(f"{entry['name']!r} has both 'tests:' and 'data_tests:'",
                           path=src.path, **src.located(entry, "tests"),
                           hint="'tests:' is the old name of 'data_tests:': merge them into one")
    tests = entry.get("data_tests", entry.get("tests")) or []
    return tuple(tests) if isinstance(tests, list) else (tests,)


def _node_props(entry: Mapping[str, Any], kind: str, src: _Source,
                label: str | None = None) -> NodeProps:
    label = label or f"{kind} {entry['name']!r}"
    src.check_keys(entry, _ALLOWED[kind], label)
    columns = []
    for col in entry.get("columns") or []:
        if not isinstance(col, Mapping) or not isinstance(col.get("name"), str):
            raise ProjectError("every column needs a name", path=src.path,
                               line=entry.get(LINE_KEY))
        src.check_keys(col, keys.COLUMN_KEYS, f"column {col['name']!r} of {label}")
        columns.append(ColumnProps(
            name=col["name"], description=str(col.get("description") or ""),
            data_type=col.get("data_type"), tests=_tests_of(col, src), line=col.get(LINE_KEY)))
    return NodeProps(
        name=entry["name"], path=src.path, line=entry.get(LINE_KEY),
        description=str(entry.get("description") or ""), config=_config(entry, kind, src),
        columns=tuple(columns), tests=_tests_of(entry, src),
        config_marks={**getattr(entry.get("config"), "marks", {}),
                      **{k: v for k, v in getattr(entry, "marks", {}).items()
                         if k in keys.MOVED_TO_CONFIG}})


def _config(entry: Mapping[str, Any], kind: str, src: _Source) -> dict[str, Any]:
    """`config:`, with the keys dbt moves into it from a model's or seed's top level (so a
    top-level `contract:` meets the same checks as one under config:)."""
    config = entry.get("config") or {}
    if not isinstance(config, Mapping):
        raise ProjectError("'config:' must be a mapping", path=src.path,
                           line=entry.get(LINE_KEY))
    config = strip_lines(config)
    for key in keys.MOVED_TO_CONFIG if kind != "source table" else ():
        if key not in entry:
            continue
        if key in config:
            raise ProjectError(f"{key!r} of {kind} {entry['name']!r} is set both here and "
                               "under config:", path=src.path, **src.located(entry, key),
                               hint="keep the one under config:")
        config[key] = strip_lines(entry[key])
    return config


def _source_tables(entry: Mapping[str, Any], src: _Source) -> list[SourceTableProps]:
    source_name = entry["name"]
    _check_source_location(entry, src.path, f"source {source_name!r}")
    src.check_keys(entry, keys.SOURCE_KEYS, f"source {source_name!r}")
    if entry.get("overrides"):
        raise ProjectError(f"source {source_name!r}: 'overrides:' patches a source of a dbt "
                           "package, and dbt packages are not supported", path=src.path,
                           **src.located(entry, "overrides"))
    schema = str(entry.get("schema") or source_name)
    tables = []
    for table in entry.get("tables") or []:
        if not isinstance(table, Mapping) or not isinstance(table.get("name"), str):
            raise ProjectError(f"every table of source {source_name!r} needs a name",
                               path=src.path, line=entry.get(LINE_KEY))
        what = f"source table {source_name}.{table['name']}"
        _check_source_location(table, src.path, what)
        props = _node_props(table, "source table", src, what)
        tables.append(SourceTableProps(source_name, schema, props,
                                       str(table.get("identifier") or table["name"]),
                                       str(entry.get("description") or "")))
    return tables


def _check_source_location(entry: Mapping[str, Any], path: str, what: str) -> None:
    """A source read from another database or from files (dbt-duckdb's
    `external_location`) would be read from the wrong place: refuse it by name."""
    for key in ("database", "catalog"):  # (dbt's newer schema: a catalog is a database here)
        if entry.get(key):
            raise ProjectError(f"{what}: '{key}:' is not supported (sources are read from the "
                               "warehouse's own database)", path=path, line=entry.get(LINE_KEY))
    for block in ("meta", "config"):
        inner = entry.get(block)
        if isinstance(inner, Mapping) and inner.get("external_location"):
            raise ProjectError(f"{what}: {block}.external_location is not supported (external "
                               "files are not read as sources)", path=path,
                               line=entry.get(LINE_KEY))


def load_docs_blocks(files: Mapping[str, str]) -> dict[str, str]:
    """`{% docs name %}...{% enddocs %}` blocks from markdown files."""
    blocks: dict[str, str] = {}
    for path, text in sorted(files.items()):
        for match in _DOCS_BLOCK.finditer(text):
            name = match.group(1)
            if name in blocks:
                line = text.count("\n", 0, match.start()) + 1
                raise ProjectError(f"docs block {name!r} is defined twice", path=path, line=line)
            blocks[name] = match.group(2).strip()
    return blocks
