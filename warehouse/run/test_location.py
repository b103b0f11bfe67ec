"""Where a failing data test is written: the file and line a person opens to fix it.

A generic test lives in a property file: its entry's line, or, when the
database refused the query and names the column or table it could not find,
the nearest line of that file that mentions the name (a misspelt column, a
`field:` argument). A broken `where:` is that key's line. A singular test
is its own .sql file: the database's `LINE n` of the test's SQL is aligned back
to the line of the template the user wrote.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_NAMED = re.compile(r'"([^"\n]{1,200})"')
_LINE = re.compile(r"^LINE (\d+):", re.M)
_IDENTIFIER = re.compile(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)*")  # not `")"` of a syntax error


def test_location(node: Any, db_error: str, root: Path | None) -> str | None:
    """`path:line` of the test (or `path` when no line is known); None without a path."""
    if not node.path:
        return None
    if getattr(node, "test_name", None) is None:
        line = _singular_line(node, db_error, root)
    else:
        line = _generic_line(node, db_error, root)
    return f"{node.path}:{line}" if line else node.path


def _generic_line(node: Any, db_error: str, root: Path | None) -> int | None:
    if not db_error or root is None:
        return node.line
    lines = _lines(root / node.path)
    if not lines:
        return node.line
    first = db_error.splitlines()[0]  # what went wrong; the lines after quote the SQL
    if "Parser Error" in first:  # the SQL was generated: only a `where:` was typed in
        patterns = [re.compile(r"^\s*where\s*:")] if getattr(node.config, "where", None) else []
    else:
        names = [n for n in _NAMED.findall(first) if _IDENTIFIER.fullmatch(n)]
        patterns = [re.compile(rf"(?<![\w.]){re.escape(n)}(?![\w])") for n in names]
    found = [i for i, text in enumerate(lines, start=1)
             if any(p.search(text) for p in patterns)]
    if not found:
        return node.line
    near = node.line or 1
    return min(found, key=lambda i: (abs(i - near), i))


def _singular_line(node: Any, db_error: str, root: Path | None) -> int | None:
    match = _LINE.search(db_error or "")
    if match is None or root is None:
        return None
    template = "\n".join(_lines(root / node.path))
    if not template:
        return None
    from warehouse.compile.parse import map_position

    line, _ = map_position(template, node.sql, int(match.group(1)), 1)
    return line


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []
