"""YAML as the engine reads it: line numbers kept, duplicate keys refused, errors with a caret.

PyYAML keeps the last of two equal keys in a mapping without a word, so a
second `columns:` under a model drops the first one's tests and the build
goes on. This loader refuses a repeated key at the place it is written, and
remembers where every key, value and list item was written so later checks
(unknown keys, values of the wrong kind) can point at them, not only at the
mapping that holds them.
Property files, dbt_project.yml and profiles.yml are all read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warehouse.core.errors import ProjectError, caret_snippet

LINE_KEY = "__line__"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_UNHASHABLE = object()
Marks = dict[Any, tuple[int, int]]  # key -> (line, column), both 1-based


class YamlMap(dict):
    """A YAML mapping: a plain dict (LINE_KEY holds its first line), plus `marks`, where each
    key was written as (line, column), both 1-based, and `value_marks`, where each value
    begins. A dict subclass so every consumer of plain mappings keeps working, and so it
    pickles like one."""

    marks: dict[Any, tuple[int, int]]
    value_marks: dict[Any, tuple[int, int]]


class YamlList(list):
    """A YAML sequence: a plain list, plus `marks`, where each item begins (line, column).
    A bare string item (`- unique`) has no line of its own otherwise."""

    marks: list[tuple[int, int]]


def key_position(mapping: Mapping[str, Any], key: Any) -> tuple[int | None, int | None]:
    """Line and column where `key` of `mapping` was written, or the mapping's line."""
    marks = getattr(mapping, "marks", None) or {}
    if key in marks:
        return marks[key]
    return mapping.get(LINE_KEY), None


def value_position(mapping: Mapping[str, Any], key: Any) -> tuple[int | None, int | None]:
    """Line and column where the value of `key` begins (a block under the key begins on a
    later line), else where the key was written."""
    marks = getattr(mapping, "value_marks", None) or {}
    if key in marks:
        return marks[key]
    return key_position(mapping, key)


def item_position(sequence: Any, index: int) -> tuple[int | None, int | None]:
    """Line and column where item `index` of a YAML sequence begins; (None, None) for a
    sequence that was not read from YAML."""
    marks = getattr(sequence, "marks", None) or ()
    if 0 <= index < len(marks):
        return marks[index]
    item = sequence[index] if 0 <= index < len(sequence) else None
    return (item.get(LINE_KEY), None) if isinstance(item, Mapping) else (None, None)


def load_yaml(text: str, path: str) -> Any:
    """YAML with each mapping's line number stored under LINE_KEY; a key written twice in
    one mapping and a syntax error are ProjectErrors with the line, column and snippet."""
    import yaml

    loader = _loader_class()(text)
    loader.text, loader.path = text, path
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            data = build_plain(loader, node)
            return loader.construct_document(node) if data is NOT_PLAIN else data
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise syntax_error(exc, text, path) from None


_LOADER: list[type] = []


def _loader_class() -> type:
    """libyaml's safe loader (8x faster than PyYAML's own) whose mappings and sequences are
    YamlMap and YamlList, made once. Its tag resolver answers a scalar it met before in the
    same document from memory: a property file repeats the same few keys and values
    (`name`, `description`, `unique`) thousands of times, and each was matched against
    PyYAML's implicit-tag patterns again."""
    if _LOADER:
        return _LOADER[0]
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):
        text = path = ""

        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self.resolved: dict[tuple[Any, Any, Any], str] = {}

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            key = (kind, value, implicit)
            tag = self.resolved.get(key)
            if tag is None:
                tag = self.resolved[key] = base.resolve(self, kind, value, implicit)
            return tag

    def construct_mapping(loader, node, deep=False):
        marks, value_marks = _own_key_marks(loader, node, loader.text, loader.path)
        merges = len(node.value) != len(marks)  # (or an unhashable key, which PyYAML refuses)
        mapping = YamlMap(base.construct_mapping(loader, node, deep=deep))
        if merges:  # node.value now also holds the merged keys; the mapping's own ones win
            for key_node, value_node in node.value:
                key = _key(loader, key_node)
                marks.setdefault(key, _position(key_node))
                value_marks.setdefault(key, _position(value_node))
        mapping.marks, mapping.value_marks = marks, value_marks
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping

    def construct_sequence(loader, node):
        sequence = YamlList()
        sequence.marks = [_position(item) for item in node.value]
        yield sequence  # (first the empty list, as PyYAML does, so an alias may refer to it)
        sequence.extend(loader.construct_sequence(node))

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                               construct_sequence)
    _LOADER.append(LineLoader)
    return LineLoader


NOT_PLAIN = object()
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Scalars whose SafeConstructor is a plain function of the node's text
_SCALARS = frozenset({"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool",
                      "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                      "tag:yaml.org,2002:timestamp"})


class _NotPlain(Exception):
    """The document needs PyYAML's own construction."""


def build_plain(loader: Any, root: Any) -> Any:
    """The document under `root` as `loader` would construct it, or NOT_PLAIN.

    PyYAML's construction goes through `construct_object` for every node (a lookup among
    the nodes constructed, a recursion guard, a constructor found by tag, a generator per
    list and mapping, filled later): half the time of reading a property file, whose
    nodes libyaml composes in C. Almost every file is plain: mappings and lists with their
    default tags, text keys written once, scalars that are text, numbers, booleans, nulls
    or dates, no node used twice. Such a document is built here in one walk, with the
    marks construct_mapping records; anything else (an alias, a merge key, a tag, a key
    written twice or not text, a value PyYAML refuses) is NOT_PLAIN, and PyYAML constructs
    the document as before, so its values and errors stay PyYAML's."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    constructors = loader.yaml_constructors
    seen: set[int] = set()

    def build(node: Any) -> Any:
        kind, tag = node.__class__, node.tag
        if kind is ScalarNode:
            if tag == _STR_TAG:
                return node.value
            if tag in _SCALARS:
                return constructors[tag](loader, node)
            raise _NotPlain
        if id(node) in seen:  # an alias: PyYAML shares the object (or refuses a cycle)
            raise _NotPlain
        seen.add(id(node))
        if kind is MappingNode and tag == _MAP:
            return mapping(node)
        if kind is SequenceNode and tag == _SEQ:
            items = node.value
            sequence = YamlList(build(item) for item in items)
            sequence.marks = [(m.line + 1, m.column + 1)
                              for m in (item.start_mark for item in items)]
            return sequence
        raise _NotPlain

    def mapping(node: Any) -> YamlMap:
        built, marks, value_marks = YamlMap(), {}, {}
        for key_node, value_node in node.value:
            if key_node.tag != _STR_TAG or key_node.__class__ is not ScalarNode:
                raise _NotPlain
            key = key_node.value
            if key in marks:  # refused by yaml_load, at the place PyYAML's order reaches
                raise _NotPlain
            mark = key_node.start_mark
            marks[key] = (mark.line + 1, mark.column + 1)
            mark = value_node.start_mark
            value_marks[key] = (mark.line + 1, mark.column + 1)
            if value_node.tag == _STR_TAG and value_node.__class__ is ScalarNode:
                built[key] = value_node.value  # (build's first case, without the call)
            else:
                built[key] = build(value_node)
        built.marks, built.value_marks = marks, value_marks
        built[LINE_KEY] = node.start_mark.line + 1
        return built

    try:
        return build(root)
    except Exception:  # noqa: BLE001 - PyYAML constructs it again, and raises its own error
        return NOT_PLAIN


def _position(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _key(loader: Any, key_node: Any) -> Any:
    """The constructed key (a plain string without constructing it, the common case), or
    _UNHASHABLE when it cannot be a dict key (PyYAML then says so itself)."""
    if key_node.tag == _STR_TAG:
        return key_node.value
    key = loader.construct_object(key_node, deep=True)
    try:
        hash(key)
    except TypeError:
        return _UNHASHABLE
    return key


def _own_key_marks(loader: Any, node: Any, text: str, path: str) -> tuple[Marks, Marks]:
    """Where each key written in this mapping is, and where its value begins, refusing a key
    written twice (merge keys `<<:` aside: keys written beside a merge override the merged
    ones, as YAML means)."""
    marks: Marks = {}
    value_marks: Marks = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = _key(loader, key_node)
        if key is _UNHASHABLE:
            continue
        line, column = _position(key_node)
        if key in marks:
            first = marks[key][0]
            snippet = "\n".join(s for s in (caret_snippet(text, first, None),
                                            caret_snippet(text, line, column, len(str(key))))
                                if s)
            raise ProjectError(
                f"key {key!r} is written twice in one mapping (first at line {first}); "
                "YAML would keep only the last one", path=path, line=line, column=column,
                snippet=snippet, hint=f"merge the two {key!r} entries into one, or remove one")
        marks[key] = (line, column)
        value_marks[key] = _position(value_node)
    return marks, value_marks


def syntax_error(exc: Exception, text: str, path: str) -> ProjectError:
    """A PyYAML error as a ProjectError with a caret under the problem, and where an unclosed
    construct (a bracket, a quote, a block) began when PyYAML says so: the problem is often
    found far below the mistake. A quote that is never closed, or that runs on to the next
    quote, is located where it opened (the end of the file would say nothing), and so is an
    unclosed bracket (the parser stops only at the next key)."""
    problem = getattr(exc, "problem", None) or str(exc)
    mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context", None)
    cmark = getattr(exc, "context_mark", None)
    lines = text.splitlines()
    line = column = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
        if line > len(lines) and lines:  # at the end of the file: point after its last text
            line, column = len(lines), len(lines[-1]) + 1
    opened = (cmark.line + 1, cmark.column + 1) if context and cmark is not None else None
    message = f"invalid YAML: {problem}"
    if opened and opened[0] != line:
        message += f" ({context} that began at line {opened[0]}, column {opened[1]})"
    elif context:
        message += f" ({context})"
    at, hints = (line, column), []
    runaway = _runaway_quote(text, line) if line is not None else None
    if opened and "quoted scalar" in context:  # never closed: the file ended inside it
        at = opened
    elif runaway:
        at = runaway[:2]
        message = (f"invalid YAML: the quoted value that begins here runs on to line {line}, "
                   f"and YAML fails there: {message.removeprefix('invalid YAML: ')}")
        hints.append(f"is its closing {runaway[2]} missing? A quoted value may span lines, so "
                     "YAML read on to the next quote")
    elif opened and "flow" in context and opened[0] != line:
        what = context.removeprefix("while parsing a ")
        closer = "]" if "sequence" in context else "}"
        at = opened  # the bracket left open, not where YAML noticed (the next key)
        message = (f"invalid YAML: the {what} opened here is not closed with {closer!r} "
                   f"(YAML fails at line {line}, column {column}: {problem})")
        hints.append(f"close it with {closer!r} at the end of line {opened[0]}")
    if line is not None and 1 <= line <= len(lines) and "\t" in lines[line - 1]:
        hints.append("YAML indents with spaces, not tabs")
    return ProjectError(message, path=path, line=at[0], column=at[1],
                        snippet=_snippets(text, runaway or opened, (line, column)),
                        hint="; ".join(hints) or None)


def _snippets(text: str, opened: tuple[int, ...] | None,
              problem: tuple[int | None, int | None]) -> str | None:
    """The line where the construct opened (when another) and the problem's, each with a
    caret."""
    snippets = []
    if opened and opened[0] != problem[0]:
        snippets.append(caret_snippet(text, opened[0], opened[1]))
    if problem[0] is not None:
        snippets.append(caret_snippet(text, problem[0], problem[1]))
    return "\n".join(s for s in snippets if s) or None


def _runaway_quote(text: str, line: int) -> tuple[int, int, str] | None:
    """Where a quoted value that spans lines and ends on `line` opened (line, column, quote):
    YAML lets a quoted value run over lines, so an unclosed quote takes everything up to the
    next quote, and the parser only stumbles after it."""
    import yaml

    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if (isinstance(token, yaml.ScalarToken) and token.style in ("'", '"')
                    and token.start_mark.line < token.end_mark.line == line - 1):
                return token.start_mark.line + 1, token.start_mark.column + 1, token.style
    except yaml.YAMLError:
        pass
    return None


def strip_lines(value: Any) -> Any:
    """The same data without the line-number keys."""
    if isinstance(value, Mapping):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value
