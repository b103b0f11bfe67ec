"""YAML as the engine reads it: line numbers kept, duplicate keys refused, errors with a caret.

PyYAML keeps the last of two equal keys in a mapping without a word, so a
second `columns:` under a model drops the first one's tests and the build
goes on. This loader refuses a repeated key at the place it is written, and
remembers where every key was written so later checks (unknown keys in
property files) can point at the key itself, not only at its mapping.
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


class YamlMap(dict):
    """A YAML mapping: a plain dict (LINE_KEY holds its first line), plus `marks`, where each
    key was written as (line, column), both 1-based. A dict subclass so every consumer of
    plain mappings keeps working, and so it pickles like one."""

    marks: dict[Any, tuple[int, int]]


def key_position(mapping: Mapping[str, Any], key: Any) -> tuple[int | None, int | None]:
    """Line and column where `key` of `mapping` was written, or the mapping's line."""
    marks = getattr(mapping, "marks", None) or {}
    if key in marks:
        return marks[key]
    return mapping.get(LINE_KEY), None


def load_yaml(text: str, path: str) -> Any:
    """YAML with each mapping's line number stored under LINE_KEY; a key written twice in
    one mapping and a syntax error are ProjectErrors with the line, column and snippet."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is 8x faster

    class LineLoader(base):
        pass

    def construct_mapping(loader, node, deep=False):
        marks = _own_key_marks(loader, node, text, path)
        merges = len(node.value) != len(marks)  # (or an unhashable key, which PyYAML refuses)
        mapping = YamlMap(base.construct_mapping(loader, node, deep=deep))
        if merges:  # node.value now also holds the merged keys; the mapping's own ones win
            for key_node, _value in node.value:
                marks.setdefault(_key(loader, key_node), _position(key_node))
        mapping.marks = marks
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    try:
        return yaml.load(text, Loader=LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise syntax_error(exc, text, path) from None


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


def _own_key_marks(loader: Any, node: Any, text: str, path: str) -> dict[Any, tuple[int, int]]:
    """Where each key written in this mapping is, refusing a key written twice (merge keys
    `<<:` aside: keys written beside a merge override the merged ones, as YAML means)."""
    marks: dict[Any, tuple[int, int]] = {}
    for key_node, _value in node.value:
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
    return marks


def syntax_error(exc: Exception, text: str, path: str) -> ProjectError:
    """A PyYAML error as a ProjectError at the problem's line and column, with a caret under
    it, and where an unclosed construct (a bracket, a quote, a block) began when PyYAML
    says so: the problem is often found far below the mistake."""
    problem = getattr(exc, "problem", None) or str(exc)
    mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context", None)
    cmark = getattr(exc, "context_mark", None)
    lines = text.splitlines()
    line = column = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
        if line > len(lines) and lines:  # at the end of the file: point after its last text
            line, column = len(lines), len(lines[-1]) + 1
    message = f"invalid YAML: {problem}"
    snippets = []
    if context and cmark is not None and cmark.line + 1 != line:
        message += f" ({context} that began at line {cmark.line + 1}, column {cmark.column + 1})"
        snippets.append(caret_snippet(text, cmark.line + 1, cmark.column + 1))
    elif context:
        message += f" ({context})"
    if line is not None:
        snippets.append(caret_snippet(text, line, column))
    tab = line is not None and 1 <= line <= len(lines) and "\t" in lines[line - 1]
    hint = "YAML indents with spaces, not tabs" if tab else None
    return ProjectError(message, path=path, line=line, column=column,
                        snippet="\n".join(s for s in snippets if s) or None, hint=hint)


def strip_lines(value: Any) -> Any:
    """The same data without the line-number keys."""
    if isinstance(value, Mapping):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value
