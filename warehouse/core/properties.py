"""Property files: dbt's schema.yml shape (`models:`, `seeds:`, `sources:`, `snapshots:`),
validated here.

YAML is read with line numbers kept (yaml_load.py, which also refuses a key
written twice), so a problem in a property file is reported at its line. A
key dbt would not accept where it is written is an error too
(property_keys.py): a misspelt key must not drop what is under it. The
result is plain frozen data; nothing downstream touches YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.core import property_keys as keys
from warehouse.core.errors import ProjectError
from warehouse.core.frozen import make
from warehouse.core.source_location import (
    ExternalLocation,
    check_source_location,
    external_location,
)
from warehouse.core.yaml_load import (
    LINE_KEY,
    item_position,
    load_yaml,
    strip_lines,
    value_position,
)

__all__ = ["LINE_KEY", "ColumnProps", "ExternalLocation", "NodeProps", "Properties",
           "SourceTableProps", "load_docs_blocks", "load_properties", "load_yaml",
           "strip_lines"]

_DOCS_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", re.S)


@dataclass(frozen=True)
class ColumnProps:
    name: str
    description: str = ""
    data_type: str | None = None
    tests: tuple[Any, ...] = ()
    line: int | None = None
    description_line: int | None = None  # where `description:` is, for a doc() in it
    # (line, column) of each entry of `tests`: a bare `- unique` has no line of its own
    test_positions: tuple[tuple[int, int] | None, ...] = ()
    # `constraints:` as written, each (its line, its mapping): an enforced contract's
    # (compile/contracts.py checks them)
    constraints: tuple[tuple[int | None, Any], ...] = ()


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
    description_line: int | None = None
    test_positions: tuple[tuple[int, int] | None, ...] = ()
    constraints: tuple[tuple[int | None, Any], ...] = ()  # model-level, as ColumnProps'
    # (line, column) of each column of a seed's `column_types`: the load checks them
    column_type_marks: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    text: str = field(default="", repr=False, compare=False)  # the file's, for snippets


@dataclass(frozen=True)
class SourceTableProps:
    source_name: str
    schema: str
    props: NodeProps
    identifier: str
    source_description: str = ""
    external: ExternalLocation | None = None


@dataclass(frozen=True)
class Properties:
    models: Mapping[str, NodeProps]
    seeds: Mapping[str, NodeProps]
    sources: Mapping[tuple[str, str], SourceTableProps]
    snapshots: Mapping[str, NodeProps] = field(default_factory=dict)
    # A YAML-defined snapshot's `relation:` (dbt 1.9): name -> (text, line, column)
    snapshot_relations: Mapping[str, tuple[Any, int | None, int | None]] = field(
        default_factory=dict)


def load_properties(files: Mapping[str, str], *,
                    read_yaml: Callable[[str, str], Any] = load_yaml) -> Properties:
    """Merge every property file of the project; a name declared twice is an error, and so
    is a key dbt would not accept where it is written (property_keys.py). `read_yaml`
    stands in for `load_yaml` (the parse cache keeps each file's parse by its text).

    The cycle collector is off meanwhile: YAML's nodes and the properties made of them are
    a million objects that make no cycles, and the collections they set off walked the
    nodes again and again (a quarter of this at 10,000 models). What is left lives as long
    as the load: it goes to the oldest generation unwalked, not to the first collection
    after (0.1 s at 10,000 models)."""
    from warehouse.core.heap import collector_paused, promote_to_oldest

    with collector_paused():
        properties = _merged(files, read_yaml)
        promote_to_oldest()
        return properties


def _merged(files: Mapping[str, str], read_yaml: Callable[[str, str], Any]) -> Properties:
    models: dict[str, NodeProps] = {}
    seeds: dict[str, NodeProps] = {}
    sources: dict[tuple[str, str], SourceTableProps] = {}
    snapshots: dict[str, NodeProps] = {}
    relations: dict[str, tuple[Any, int | None, int | None]] = {}
    for path, text in sorted(files.items()):
        data = read_yaml(text, path)
        if data is None:
            continue
        src = _Source(path, text)
        if not isinstance(data, Mapping):
            raise ProjectError("a property file must be a mapping (models:, seeds:, sources:)",
                               path=path, **_first_text(text),
                               hint="begin it with `version: 2` and `models:` (or seeds:, "
                                    "sources:) above the list of entries")
        keys.check_top_level(data, path=path, text=text)
        for key, target in (("models", models), ("seeds", seeds), ("snapshots", snapshots)):
            for entry in _entries(data, key, src):
                if entry.get("versions"):
                    raise ProjectError(f"model versions are not supported ({entry['name']!r} "
                                       "lists versions:)", path=path, line=entry.get(LINE_KEY))
                props = _node_props(entry, key[:-1], src)
                if props.name in target:
                    raise ProjectError(f"{key[:-1]} {props.name!r} is described twice "
                                       f"(also in {_place(target[props.name])})", path=path,
                                       **src.located_value(entry, "name"))
                target[props.name] = props
                if key == "snapshots" and "relation" in entry:
                    relations[props.name] = (entry["relation"], *value_position(entry,
                                                                                "relation"))
        for entry in _entries(data, "sources", src):
            for table in _source_tables(entry, src):
                key2 = (table.source_name, table.props.name)
                if key2 in sources:
                    raise ProjectError(f"source {key2[0]}.{key2[1]} is declared twice (also in "
                                       f"{_place(sources[key2].props)})", path=path,
                                       line=table.props.line)
                sources[key2] = table
    return Properties(models, seeds, sources, snapshots, relations)


def _place(props: NodeProps) -> str:
    """`path:line` of an entry, as a terminal makes it clickable."""
    return f"{props.path}:{props.line}" if props.line else props.path


def _first_text(text: str) -> dict[str, Any]:
    """Where a file's YAML begins (comments, directives and `---` aside), for an error about
    the whole document."""
    for number, row in enumerate(text.splitlines(), start=1):
        stripped = row.strip()
        if stripped and not stripped.startswith(("#", "%")) and stripped not in ("---", "..."):
            return keys.at(text, number, len(row) - len(row.lstrip()) + 1)
    return {}


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

    def located_value(self, entry: Mapping[str, Any], key: str) -> dict[str, Any]:
        return keys.located_value(entry, key, self.text)

    def located_item(self, items: Any, index: int) -> dict[str, Any]:
        return keys.located_item(items, index, self.text)


_ALLOWED = {"model": keys.MODEL_KEYS, "seed": keys.SEED_KEYS,
            "snapshot": keys.SNAPSHOT_KEYS, "source table": keys.SOURCE_TABLE_KEYS}


def _entries(data: Mapping[str, Any], key: str, src: _Source) -> list[Mapping[str, Any]]:
    return _named_items(data, key, src, noun="entry", missing=f"every entry under '{key}:' "
                        "needs a name")


def _named_items(entry: Mapping[str, Any], key: str, src: _Source, *, noun: str, missing: str,
                 of: str = "") -> list[Mapping[str, Any]]:
    """The mappings listed under `key` of `entry`, each with a name that is text. Anything
    else is an error at the value, item or name that is wrong: the line of the entry that
    holds them may be far above it."""
    items = entry.get(key) or []
    if not isinstance(items, list):
        got = "" if isinstance(items, Mapping) else f", got {items!r}"
        raise ProjectError(f"'{key}:'{of} must be a list of mappings{got}", path=src.path,
                           hint=f"begin each {noun} with `- name:`",
                           **src.located_value(entry, key))
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ProjectError(f"{noun} {index + 1} under '{key}:'{of} is {item!r}, not a "
                               "mapping with a name", path=src.path,
                               hint=f"write `- name: {item}`" if isinstance(item, str) else None,
                               **src.located_item(items, index))
        if item.get("name") is None:
            raise ProjectError(missing, path=src.path, **src.located_item(items, index))
        if not isinstance(item["name"], str):
            raise ProjectError(f"the name of {noun} {index + 1} under '{key}:'{of} must be "
                               f"text, got {item['name']!r}", path=src.path,
                               hint=f"quote it: name: \"{item['name']}\"",
                               **src.located_value(item, "name"))
    return items


def _tests_of(entry: Mapping[str, Any], src: _Source) -> dict[str, tuple[Any, ...]]:
    """`data_tests:` or its old name `tests:` (both at once would lose one list; dbt
    refuses it too), as `tests` and `test_positions` (where each entry is) for NodeProps
    and ColumnProps."""
    if entry.get("tests") and "data_tests" in entry:
        raise ProjectError(f"{entry['name']!r} has both 'tests:' and 'data_tests:'",
                           path=src.path, **src.located(entry, "tests"),
                           hint="'tests:' is the old name of 'data_tests:': merge them into one")
    key = "data_tests" if "data_tests" in entry else "tests"
    tests = entry.get(key) or _NO_TESTS
    if not isinstance(tests, list):
        return {"tests": (tests,), "test_positions": (value_position(entry, key),)}
    marks = getattr(tests, "marks", None)
    if marks is not None and len(marks) == len(tests):  # (item_position's, all at once)
        return {"tests": tuple(tests), "test_positions": tuple(marks)}
    return {"tests": tuple(tests),
            "test_positions": tuple(item_position(tests, i) for i in range(len(tests)))}


_NO_TESTS: list[Any] = []  # (read, never changed)


def _description(entry: Mapping[str, Any]) -> dict[str, Any]:
    """`description` and `description_line` (a doc() in it that fails is reported there)."""
    line = value_position(entry, "description")[0] if "description" in entry else None
    return {"description": str(entry.get("description") or ""), "description_line": line}


def _node_props(entry: Mapping[str, Any], kind: str, src: _Source,
                label: str | None = None) -> NodeProps:
    label = label or f"{kind} {entry['name']!r}"
    src.check_keys(entry, _ALLOWED[kind], label)
    columns = []
    for col in _named_items(entry, "columns", src, noun="column", of=f" of {label}",
                            missing="every column needs a name"):
        src.check_keys(col, keys.COLUMN_KEYS, f"column {col['name']!r} of {label}")
        described, tests = _description(col), _tests_of(col, src)
        columns.append(make(ColumnProps, {  # (ColumnProps(...), 40,000 times at 10,000 models)
            "name": col["name"], "description": described["description"],
            "data_type": col.get("data_type"), "tests": tests["tests"],
            "line": col.get(LINE_KEY), "description_line": described["description_line"],
            "test_positions": tests["test_positions"], "constraints": _constraints(col)}))
    return NodeProps(
        name=entry["name"], path=src.path, line=entry.get(LINE_KEY), **_description(entry),
        config=_config(entry, kind, src), columns=tuple(columns), **_tests_of(entry, src),
        column_type_marks=_column_type_marks(entry), text=src.text,
        constraints=_constraints(entry),
        config_marks={**getattr(entry.get("config"), "marks", {}),
                      **{k: v for k, v in getattr(entry, "marks", {}).items()
                         if k in keys.MOVED_TO_CONFIG}})


def _constraints(entry: Mapping[str, Any]) -> tuple[tuple[int | None, Any], ...]:
    """`constraints:` of a model or column, each item with the line it begins on (the
    list's own line for a value that is not a list: compile/contracts.py refuses it)."""
    items = entry.get("constraints")
    if items is None:
        return ()
    if not isinstance(items, list):
        return ((value_position(entry, "constraints")[0], strip_lines(items)),)
    return tuple((item_position(items, i)[0], strip_lines(item)) for i, item in enumerate(items))


def _config(entry: Mapping[str, Any], kind: str, src: _Source) -> dict[str, Any]:
    """`config:`, with the keys dbt moves into it from a model's or seed's top level (so a
    top-level `contract:` meets the same checks as one under config:)."""
    config = entry.get("config") or {}
    if not isinstance(config, Mapping):
        raise ProjectError("'config:' must be a mapping", path=src.path,
                           **src.located_value(entry, "config"))
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


def _column_type_marks(entry: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """Where each column of a seed's `config: column_types:` was written: a type DuckDB
    does not know, or a column the CSV lacks, is only found when the seed loads."""
    config = entry.get("config")
    types = config.get("column_types") if isinstance(config, Mapping) else None
    marks = getattr(types, "marks", None) if isinstance(types, Mapping) else None
    return {str(name): position for name, position in (marks or {}).items()}


def _source_tables(entry: Mapping[str, Any], src: _Source) -> list[SourceTableProps]:
    source_name = entry["name"]
    check_source_location(entry, src, f"source {source_name!r}")
    src.check_keys(entry, keys.SOURCE_KEYS, f"source {source_name!r}")
    if entry.get("overrides"):
        raise ProjectError(f"source {source_name!r}: 'overrides:' patches a source of a dbt "
                           "package, and dbt packages are not supported", path=src.path,
                           **src.located(entry, "overrides"))
    schema = str(entry.get("schema") or source_name)
    tables = []
    for table in _named_items(entry, "tables", src, noun="table",
                              of=f" of source {source_name!r}",
                              missing=f"every table of source {source_name!r} needs a name"):
        what = f"source table {source_name}.{table['name']}"
        check_source_location(table, src, what)
        props = _node_props(table, "source table", src, what)
        tables.append(SourceTableProps(source_name, schema, props,
                                       str(table.get("identifier") or table["name"]),
                                       str(entry.get("description") or ""),
                                       external_location(entry, table, src, what)))
    return tables


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
