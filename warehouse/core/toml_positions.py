"""Where a key of a TOML document was written, since tomllib gives values but no positions.

A mistake in `[tool.warehouse]` should be reported at its line, like a mistake
in a YAML file. This module finds that line by scanning the text:
`key = value` lines (also quoted and dotted keys such as `"+schema"` or
`models.marts.x`) inside their `[table]` or `[[array]]` header, and the headers
themselves. Lines inside multi-line strings are skipped. It does not check
the TOML: tomllib has already read it. When a document is written in an
unusual way (inline tables, say), the result may be the line of an enclosing
key or table instead, which is still close to the mistake.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from warehouse.core.errors import ProjectError, caret_snippet

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BLANK = " \t"
_AT = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")


@dataclass(frozen=True)
class TomlPosition:
    """A key's line, the column and width of the key as written (all 1-based), and, on
    a `key = value` line, those of the value."""

    line: int
    column: int
    width: int
    value_column: int | None = None
    value_width: int = 1


@dataclass(frozen=True)
class _Statement:
    line: int
    path: tuple[str, ...]  # the full key path: the table's, then the key's
    spans: tuple[tuple[int, int], ...]  # (column, width) of each part of the key as written
    value: tuple[int, int] | None  # (column, width) of the value; None for a header
    table: int = 0  # for a key line: how many parts of `path` are its table's


def find_key(text: str, path: tuple[str, ...]) -> TomlPosition | None:
    """Where the key `path` (`("tool", "warehouse", "threads")`) is first defined: its
    `key = value` line, a dotted key or a table header under it. If none is written,
    where its nearest enclosing key or table is; None if not even that."""
    statements = list(_statements(text))
    for depth in range(len(path), 0, -1):
        for st in statements:
            if st.path[:depth] == path[:depth]:
                return _position(st, depth)
    return None


def _position(st: _Statement, depth: int) -> TomlPosition:
    """Where part `depth` of the statement's key path is written (a whole `key = value`
    line's key, with its value, when the path ends there)."""
    if st.value is not None and len(st.path) == depth:
        column = st.spans[0][0]
        last = st.spans[-1]
        return TomlPosition(st.line, column, last[0] + last[1] - column, *st.value)
    part = depth - 1 - (st.table if st.value is not None else 0)
    column, width = st.spans[max(part, 0)]
    return TomlPosition(st.line, column, width)


def key_at(text: str, line: int) -> tuple[str, ...] | None:
    """The full path of the key or table header written on `line`, or None."""
    return next((st.path for st in _statements(text) if st.line == line), None)


def toml_locator(text: str, table: tuple[str, ...],
                 path: str) -> Callable[..., dict[str, Any]]:
    """A function from a key path under `table` to a ProjectError's location keywords
    (path, line, column, snippet): at the key, or at its value with `value=True`."""

    def locate(keys: tuple[str, ...], value: bool = False) -> dict[str, Any]:
        found = find_key(text, (*table, *keys))
        if found is None:
            return {"path": path}
        column, width = found.column, found.width
        if value and found.value_column is not None:
            column, width = found.value_column, found.value_width
        return {"path": path, "line": found.line, "column": column,
                "snippet": caret_snippet(text, found.line, column, width) or None}

    return locate


def decode_error(exc: tomllib.TOMLDecodeError, text: str, path: str) -> ProjectError:
    """tomllib's error as a ProjectError at its line and column, with a caret: tomllib
    puts "(at line N, column M)" at the end of its message, where no editor can jump."""
    message = str(exc)
    match = _AT.search(message)
    line = column = None
    if match:
        message = message[:match.start()]
        lines = text.splitlines() or [""]
        line, column = ((int(match.group(1)), int(match.group(2))) if match.group(1)
                        else (len(lines), len(lines[-1]) + 1))
    return ProjectError(f"invalid TOML: {message}", path=path, line=line, column=column,
                        snippet=(caret_snippet(text, line, column) or None) if line else None,
                        hint=_decode_hint(message, text, line))


def _decode_hint(message: str, text: str, line: int | None) -> str | None:
    """What usually causes tomllib's terser messages."""
    if line is None:
        return None
    if message.startswith("Cannot overwrite"):
        key = key_at(text, line)
        first = find_key(text, key) if key else None
        if key and first and first.line != line:
            return f"{key[-1]!r} is already set at line {first.line}: keep one of the two"
        return "a key is set twice: keep one of the two"
    if message.startswith("Cannot declare"):
        return "a [table] is written twice: merge the two into one"
    source = (text.splitlines() + [""])[line - 1]
    if message.startswith("Illegal character") and (source.count('"') % 2
                                                     or source.count("'") % 2):
        return "a string on this line is not closed with its quote"
    if message.startswith("Invalid value"):
        return ('after `=` comes a value: a number, true or false, a "quoted string", '
                "a [list] or an { inline = table }")
    return None


def _statements(text: str) -> Iterator[_Statement]:
    """Each table header and `key = value` line of the document, in order."""
    table: tuple[str, ...] = ()
    open_string: str | None = None  # the delimiter of a multi-line string being skipped
    for number, line in enumerate(text.splitlines(), 1):
        if open_string:
            if line.count(open_string) % 2:
                open_string = None
            continue
        start = len(line) - len(line.lstrip(_BLANK))
        header = _header(line, start)
        if header is not None:
            table = tuple(k for k, _ in header)
            yield _Statement(number, table, tuple(s for _, s in header), None)
            continue
        keys = _keys(line, start)
        rest = line
        if keys is not None and line.startswith("=", keys[1]):
            yield _Statement(number, table + tuple(k for k, _ in keys[0]),
                             tuple(s for _, s in keys[0]), _value_span(line, keys[1] + 1),
                             len(table))
            rest = line[keys[1] + 1:]
        open_string = next((d for d in ('"""', "'''") if rest.count(d) % 2), None)


def _header(line: str, start: int) -> list[tuple[str, tuple[int, int]]] | None:
    """The key parts of a `[table]` or `[[array]]` header on `line`, or None (a line of
    a multi-line array is not a header: something other than a comment follows it)."""
    if not line.startswith("[", start):
        return None
    double = line.startswith("[[", start)
    keys = _keys(line, start + (2 if double else 1))
    close = "]]" if double else "]"
    if keys is None or not line.startswith(close, keys[1]):
        return None
    after = line[keys[1] + len(close):].strip(_BLANK)
    return keys[0] if not after or after.startswith("#") else None


def _keys(line: str, pos: int) -> tuple[list[tuple[str, tuple[int, int]]], int] | None:
    """The dotted key starting at `pos`: each part with its (column, width), and the
    index after it (and the blanks after it); None if no key starts there."""
    parts = []
    while True:
        pos = _skip_blanks(line, pos)
        part = _key_part(line, pos)
        if part is None:
            return None
        name, end = part
        parts.append((name, (pos + 1, end - pos)))
        pos = _skip_blanks(line, end)
        if not line.startswith(".", pos):
            return parts, pos
        pos += 1


def _key_part(line: str, pos: int) -> tuple[str, int] | None:
    """One bare or quoted key at `pos` and the index after it."""
    if line.startswith('"', pos):
        end = pos + 1
        while end < len(line) and line[end] != '"':
            end += 2 if line[end] == "\\" else 1
        if end >= len(line):
            return None
        try:
            return tomllib.loads(f"k = {line[pos:end + 1]}")["k"], end + 1
        except tomllib.TOMLDecodeError:
            return None
    if line.startswith("'", pos):
        end = line.find("'", pos + 1)
        return (line[pos + 1:end], end + 1) if end > 0 else None
    match = _BARE.match(line, pos)
    return (match.group(), match.end()) if match else None


def _value_span(line: str, pos: int) -> tuple[int, int]:
    """(column, width) of the value that starts after `=` at `pos`: a string to its
    closing quote, anything else to a comment or the end of the line."""
    pos = _skip_blanks(line, pos)
    rest = line[pos:]
    if rest[:1] in ('"', "'") and not rest.startswith(('"""', "'''")):
        end = pos + 1
        while end < len(line) and line[end] != rest[0]:
            end += 2 if rest[0] == '"' and line[end] == "\\" else 1
        return pos + 1, min(end, len(line) - 1) - pos + 1
    text = rest.split(" #")[0].split("\t#")[0].rstrip()
    return pos + 1, max(1, len(text))


def _skip_blanks(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in _BLANK:
        pos += 1
    return pos
