"""Unit tests (dbt 1.8's `unit_tests:`), read from property files and checked at load.

A unit test names a model, gives rows for each of its inputs and the rows it
must return. Here each entry is checked the way the rest of a property file
is (a misspelt key, a format that does not exist, a fixture file that is not
there, an input the model does not read: each an error at its line), its
rows are read (`format: dict`, `csv` inline or from a fixture file under
`<test path>/fixtures/`, `sql`), and the model is rendered with each input
replaced by a CTE (compile/unit_render.py). What the rows mean in SQL, with
the types of the real inputs, is decided when the test runs (run/unit_run.py).

dbt's rules kept: a seed the model reads may be left out of `given:` (its CSV
file's rows are used); an incremental model's test must say whether
`is_incremental()` is true, and when it is, give the `this` input; a test of a
disabled model is disabled; CSV cells left empty are NULL.
"""

from __future__ import annotations

import ast
import csv
import difflib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.core import property_keys as keys
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import Fixture, ModelNode, Node, SeedNode, UnitTestNode
from warehouse.core.yaml_load import LINE_KEY, load_yaml, strip_lines, value_position

FORMATS = ("dict", "csv", "sql")
_INPUT = re.compile(r"^\s*(ref|source)\s*\((.*)\)\s*$", re.S)


@dataclass(frozen=True)
class Where:
    """The property file being read: its path for errors, its text for their snippets."""

    path: str
    text: str

    def key(self, entry: Mapping[str, Any], key: str) -> dict[str, Any]:
        return {"path": self.path, **keys.located(entry, key, self.text)}

    def value(self, entry: Mapping[str, Any], key: str) -> dict[str, Any]:
        return {"path": self.path, **keys.located_value(entry, key, self.text)}

    def item(self, items: Any, index: int) -> dict[str, Any]:
        return {"path": self.path, **keys.located_item(items, index, self.text)}

    def check_keys(self, entry: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
        keys.check_keys(entry, allowed, what, path=self.path, text=self.text)


@dataclass(frozen=True)
class Context:
    """What a unit test is checked against: the loaded nodes, every model file's name
    (a test of a disabled model is disabled, not an error), the fixture files, the
    project's root (a seed left out of `given:` is read from its file) and variables."""

    nodes: Mapping[NodeId, Node]
    model_files: frozenset[str]
    fixtures: Mapping[str, str]
    root: Path
    vars: Mapping[str, Any]


def build_unit_tests(config: Any, files: Any, renderer: Any, vars: Mapping[str, Any],
                     nodes: Mapping[NodeId, Node], render_for_test: Any) -> list[UnitTestNode]:
    """Every enabled unit test of the project's property files, each rendered by
    `render_for_test` (unit_render's, passed in: it imports this module's types)."""
    context = Context(nodes, frozenset(Path(p).stem for p in files.models),
                      getattr(files, "fixtures", {}), Path(config.root), vars)
    tests: dict[NodeId, UnitTestNode] = {}
    for path, text in sorted(files.properties.items()):
        if "unit_tests" not in text:
            continue
        data = load_yaml(text, path)
        if not isinstance(data, Mapping) or not data.get("unit_tests"):
            continue
        where = Where(path, text)
        for entry in _entries(data, where):
            test = _unit_test(entry, where, context)
            if test is None:
                continue
            test = render_for_test(renderer, test, entry, where, context)
            if test.id in tests:
                other = tests[test.id]
                raise ProjectError(f"unit test {test.name!r} of model {test.model!r} is "
                                   f"defined twice (also at {other.path}:{other.line})",
                                   **where.value(entry, "name"))
            tests[test.id] = test
    return list(tests.values())


def _entries(data: Mapping[str, Any], where: Where) -> list[Mapping[str, Any]]:
    items = data["unit_tests"]
    if not isinstance(items, list):
        raise ProjectError("'unit_tests:' must be a list of unit tests", **where.value(
            data, "unit_tests"), hint="begin each with `- name:`")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ProjectError(f"unit test {index + 1} is {item!r}, not a mapping",
                               **where.item(items, index))
        for key in ("name", "model"):
            if not isinstance(item.get(key), str):
                at = where.value(item, key) if key in item else where.item(items, index)
                raise ProjectError(f"unit test {index + 1} needs a {key} (text), got "
                                   f"{item.get(key)!r}", **at)
    return items


def _unit_test(entry: Mapping[str, Any], where: Where, context: Context
               ) -> UnitTestNode | None:
    """The test as written, its SQL not yet rendered; None when it is disabled."""
    name, model_name = entry["name"], entry["model"]
    what = f"unit test {name!r}"
    where.check_keys(entry, keys.UNIT_TEST_KEYS, what)
    if model_name not in context.model_files:
        close = difflib.get_close_matches(model_name, sorted(context.model_files), n=1)
        raise ProjectError(f"{what} tests model {model_name!r}, which does not exist",
                           hint=f"did you mean {close[0]!r}?" if close else None,
                           **where.value(entry, "model"))
    if entry.get("versions"):
        raise ProjectError(f"{what}: model versions are not supported",
                           **where.key(entry, "versions"))
    config = _mapping(entry, "config", where, what)
    where.check_keys(config, keys.UNIT_CONFIG_KEYS, f"the config of {what}")
    model = context.nodes.get(NodeId(NodeKind.MODEL, model_name))
    if config.get("enabled") is False or not isinstance(model, ModelNode):
        return None  # disabled, or its model is (dbt disables the test with the model)
    overrides = _mapping(entry, "overrides", where, what)
    where.check_keys(overrides, keys.UNIT_OVERRIDE_KEYS, f"the overrides of {what}")
    for key in keys.UNIT_OVERRIDE_KEYS:
        _mapping(overrides, key, where, f"the overrides of {what}")
    if "expect" not in entry:
        raise ProjectError(f"{what} has no expect: (the rows the model must return)",
                           **where.value(entry, "name"),
                           hint="add `expect: {rows: [...]}` (rows: [] for none)")
    expect = _mapping(entry, "expect", where, what)
    where.check_keys(expect, keys.UNIT_EXPECT_KEYS, f"the expect of {what}")
    given = entry.get("given") or []
    if not isinstance(given, list):
        raise ProjectError(f"'given:' of {what} must be a list of inputs",
                           **where.value(entry, "given"),
                           hint="begin each with `- input: ref('model')`")
    fixtures = tuple(_given(given, index, where, context, what) for index in range(len(given)))
    labels = [f.label for f in fixtures]
    for index, label in enumerate(labels):
        if label in labels[:index]:
            raise ProjectError(f"{what} gives {label} twice", **where.item(given, index))
    tags = config.get("tags") or ()
    return UnitTestNode(
        name=name, model=model_name, path=where.path, sql="", given=fixtures,
        expect=_rows(expect, where, context, f"the expect of {what}", label="expect"),
        config={**strip_lines(config), "tags": [tags] if isinstance(tags, str) else list(tags)},
        line=entry.get(LINE_KEY), description=str(entry.get("description") or ""),
        overrides=strip_lines(overrides))


def _mapping(entry: Mapping[str, Any], key: str, where: Where, what: str) -> Mapping[str, Any]:
    value = entry.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ProjectError(f"'{key}:' of {what} must be a mapping, got {value!r}",
                           **where.value(entry, key))
    return value


def _given(items: list[Any], index: int, where: Where, context: Context, what: str) -> Fixture:
    item = items[index]
    if not isinstance(item, Mapping) or "input" not in item:
        raise ProjectError(f"input {index + 1} of {what} needs `input:` (ref('model'), "
                           "source('source', 'table') or this)", **where.item(items, index))
    where.check_keys(item, keys.UNIT_GIVEN_KEYS, f"input {index + 1} of {what}")
    label, node_id = parse_input(item, where, context)
    node = context.nodes.get(node_id) if node_id else None
    seed = node if isinstance(node, SeedNode) and "rows" not in item and "fixture" not in item \
        and item.get("format", "dict") == "dict" else None
    if seed is not None:  # dbt: a seed without rows is given its own file's rows
        return seed_fixture(seed, context, line=item.get(LINE_KEY), label=label)
    return _rows(item, where, context, f"{label} of {what}", label=label, node=node_id)


def parse_input(item: Mapping[str, Any], where: Where, context: Context
                ) -> tuple[str, NodeId | None]:
    """`this`, `ref('x')` or `source('s', 't')` as a label written one way, and the node."""
    text = item["input"]
    if not isinstance(text, str):
        raise ProjectError(f"input must be text such as ref('model'), got {text!r}",
                           **where.value(item, "input"))
    if text.strip() == "this":
        return "this", None
    match = _INPUT.match(text)
    args: Any = None
    if match:
        try:
            args = ast.literal_eval("(" + match.group(2) + ",)")
        except (ValueError, SyntaxError):
            args = None
    if not match or not args or not all(isinstance(a, str) for a in args):
        raise ProjectError(f"input {text!r} is not ref('model'), source('source', 'table') "
                           "or this", **where.value(item, "input"),
                           hint="name the input as the model's SQL reads it, in quotes "
                                "(versions, ref(..., v=2), are not supported)")
    if match.group(1) == "source":
        if len(args) != 2:
            raise ProjectError(f"input {text!r}: source() takes a source and a table name",
                               **where.value(item, "input"))
        node_id = NodeId(NodeKind.SOURCE, f"{args[0]}.{args[1]}")
        label = f"source({args[0]!r}, {args[1]!r})"
        known = sorted(i.name for i in context.nodes if i.kind is NodeKind.SOURCE)
    else:
        if len(args) > 2:
            raise ProjectError(f"input {text!r}: ref() takes a model name",
                               **where.value(item, "input"))
        model = NodeId(NodeKind.MODEL, args[-1])
        node_id = model if model in context.nodes else NodeId(NodeKind.SEED, args[-1])
        label = f"ref({args[-1]!r})"
        known = sorted(i.name for i in context.nodes
                       if i.kind in (NodeKind.MODEL, NodeKind.SEED))
    if node_id not in context.nodes:
        close = difflib.get_close_matches(node_id.name, known, n=1)
        raise ProjectError(f"input {label}: no such {node_id.kind.value} in the project",
                           hint=f"did you mean {close[0]!r}?" if close else None,
                           **where.value(item, "input"))
    return label, node_id


def _rows(item: Mapping[str, Any], where: Where, context: Context, what: str, *,
          label: str, node: NodeId | None = None) -> Fixture:
    """The rows of an input or of `expect:`, in their format."""
    fmt = item.get("format", "dict")
    if fmt not in FORMATS:
        close = difflib.get_close_matches(str(fmt), FORMATS, n=1)
        raise ProjectError(f"format {fmt!r} of {what} is not one of {', '.join(FORMATS)}",
                           hint=f"did you mean {close[0]!r}?" if close else None,
                           **where.value(item, "format"))
    line = item.get(LINE_KEY)
    if "rows" in item and "fixture" in item:
        raise ProjectError(f"{what} has both rows: and fixture:", **where.key(item, "fixture"),
                           hint="give the rows in the YAML or name a fixture file, not both")
    if fmt == "dict":
        if "fixture" in item:
            raise ProjectError(f"{what}: a fixture file is read with format: csv or "
                               "format: sql", **where.key(item, "fixture"))
        rows = item.get("rows")
        if not isinstance(rows, list):
            at = where.value(item, "rows") if "rows" in item else {"path": where.path,
                                                                    "line": line}
            raise ProjectError(f"{what} needs rows: a list of mappings (column: value)"
                               + ("" if rows is None else f", got {rows!r}"), **at,
                               hint="rows: [] for no rows; or format: csv with CSV text")
        return Fixture("dict", tuple(_dict_row(rows, i, where, what) for i in range(len(rows))),
                       line=line, label=label, node=node)
    text, shown = _text(item, fmt, where, context, what)
    if fmt == "csv":
        return Fixture("csv", csv_rows(text, shown), line=line, label=label, node=node)
    return Fixture("sql", sql=text.strip().rstrip(";"), line=line, label=label, node=node)


def _dict_row(rows: list[Any], index: int, where: Where, what: str
              ) -> tuple[tuple[str, Any], ...]:
    row = rows[index]
    if not isinstance(row, Mapping):
        raise ProjectError(f"row {index + 1} of {what} is {row!r}, not a mapping of "
                           "column: value", **where.item(rows, index))
    return tuple((str(k), strip_lines(v)) for k, v in row.items() if k != LINE_KEY)


def _text(item: Mapping[str, Any], fmt: str, where: Where, context: Context, what: str
          ) -> tuple[str, tuple[str, int | None]]:
    """The CSV or SQL text: inline under rows:, or the fixture file's; and where it is
    (file and line of its first row)."""
    if "fixture" in item:
        name = item["fixture"]
        found = [p for p in context.fixtures
                 if Path(p).stem == str(name) and p.endswith("." + fmt)]
        if len(found) != 1:
            problem = (f"no fixture file {name}.{fmt} under a test path's fixtures/ folder"
                       if not found else f"fixture {name!r} is ambiguous: {', '.join(found)}")
            raise ProjectError(f"{what}: {problem}", **where.value(item, "fixture"),
                               hint=f"fixtures of format: {fmt} are read from "
                                    f"tests/fixtures/{name}.{fmt}")
        return context.fixtures[found[0]], (found[0], 1)
    rows = item.get("rows")
    if not isinstance(rows, str):
        raise ProjectError(f"{what}: format: {fmt} takes its rows as text (a block under "
                           f"`rows: |`) or a fixture: file name", **(
                               where.value(item, "rows") if "rows" in item else
                               {"path": where.path, "line": item.get(LINE_KEY)}))
    line = value_position(item, "rows")[0]
    block = line is not None and where.text.splitlines()[line - 1].rstrip().endswith(("|", ">"))
    return rows, (where.path, line + 1 if block else line)


def csv_rows(text: str, shown: tuple[str, int | None]
             ) -> tuple[tuple[tuple[str, Any], ...], ...]:
    """CSV text as rows of (column, value); an empty cell is NULL, as in dbt. `shown` is the
    file and line the text begins at, for an error in a record."""
    reader = csv.reader(io.StringIO(text.strip("\n")))
    header = next(reader, None)
    if not header:
        return ()
    header = [h.strip() for h in header]
    rows = []
    path, first = shown
    for record in reader:
        if not record:
            continue
        if len(record) != len(header):
            line = first + reader.line_num - 1 if first else None
            raise ProjectError(f"a CSV record has {len(record)} fields where its header has "
                               f"{len(header)} ({', '.join(header)})", path=path, line=line)
        rows.append(tuple((h, v if v != "" else None) for h, v in zip(header, record,
                                                                        strict=True)))
    return tuple(rows)


def seed_fixture(seed: SeedNode, context: Context, *, line: int | None, label: str) -> Fixture:
    """A seed's own file as the rows of its input (dbt's rule for a seed not given)."""
    from warehouse.core.textfile import read_text

    text = read_text(str(context.root / seed.path), seed.path)
    return Fixture("csv", csv_rows(text, (seed.path, 1)), line=line, label=label, node=seed.id)
