"""Property files: dbt's schema.yml shape (`models:`, `seeds:`, `sources:`), validated here.

YAML is read with line numbers kept, so a problem in a property file is
reported at its line. The result is plain frozen data; nothing downstream
touches YAML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.core.errors import ProjectError

LINE_KEY = "__line__"
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


def load_yaml(text: str, path: str) -> Any:
    """YAML with each mapping's line number stored under LINE_KEY."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is 8x faster

    class LineLoader(base):
        pass

    def construct_mapping(loader, node, deep=False):
        mapping = base.construct_mapping(loader, node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    try:
        return yaml.load(text, Loader=LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ProjectError(f"invalid YAML: {getattr(exc, 'problem', exc)}", path=path,
                           line=mark.line + 1 if mark else None) from None


def strip_lines(value: Any) -> Any:
    """The same data without the line-number keys."""
    if isinstance(value, Mapping):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


def load_properties(files: Mapping[str, str]) -> Properties:
    """Merge every property file of the project; a name declared twice is an error."""
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
        for key, target in (("models", models), ("seeds", seeds)):
            for entry in _entries(data, key, path):
                if entry.get("versions"):
                    raise ProjectError(f"model versions are not supported ({entry['name']!r} "
                                       "lists versions:)", path=path, line=entry.get(LINE_KEY))
                props = _node_props(entry, path)
                if props.name in target:
                    raise ProjectError(f"{key[:-1]} {props.name!r} is described twice "
                                       f"(also in {target[props.name].path})", path=path,
                                       line=props.line)
                target[props.name] = props
        for entry in _entries(data, "sources", path):
            for table in _source_tables(entry, path):
                key2 = (table.source_name, table.props.name)
                if key2 in sources:
                    raise ProjectError(f"source {key2[0]}.{key2[1]} is declared twice", path=path,
                                       line=table.props.line)
                sources[key2] = table
    return Properties(models, seeds, sources)


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


def _tests_of(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    tests = entry.get("data_tests", entry.get("tests")) or []
    return tuple(tests) if isinstance(tests, list) else (tests,)


def _node_props(entry: Mapping[str, Any], path: str) -> NodeProps:
    columns = []
    for col in entry.get("columns") or []:
        if not isinstance(col, Mapping) or not isinstance(col.get("name"), str):
            raise ProjectError("every column needs a name", path=path, line=entry.get(LINE_KEY))
        columns.append(ColumnProps(
            name=col["name"], description=str(col.get("description") or ""),
            data_type=col.get("data_type"), tests=_tests_of(col), line=col.get(LINE_KEY)))
    config = entry.get("config") or {}
    if not isinstance(config, Mapping):
        raise ProjectError("'config:' must be a mapping", path=path, line=entry.get(LINE_KEY))
    return NodeProps(
        name=entry["name"], path=path, line=entry.get(LINE_KEY),
        description=str(entry.get("description") or ""), config=strip_lines(config),
        columns=tuple(columns), tests=_tests_of(entry))


def _source_tables(entry: Mapping[str, Any], path: str) -> list[SourceTableProps]:
    source_name = entry["name"]
    _check_source_location(entry, path, f"source {source_name!r}")
    schema = str(entry.get("schema") or source_name)
    tables = []
    for table in entry.get("tables") or []:
        if not isinstance(table, Mapping) or not isinstance(table.get("name"), str):
            raise ProjectError(f"every table of source {source_name!r} needs a name", path=path,
                               line=entry.get(LINE_KEY))
        _check_source_location(table, path, f"source table {source_name}.{table['name']}")
        props = _node_props(table, path)
        tables.append(SourceTableProps(source_name, schema, props,
                                       str(table.get("identifier") or table["name"]),
                                       str(entry.get("description") or "")))
    return tables


def _check_source_location(entry: Mapping[str, Any], path: str, what: str) -> None:
    """A source read from another database or from files (dbt-duckdb's
    `external_location`) would be read from the wrong place: refuse it by name."""
    if entry.get("database"):
        raise ProjectError(f"{what}: 'database:' is not supported (sources are read from the "
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
