"""Every exception raised while rendering Jinja, as a ProjectError at the user's line.

Jinja reports syntax errors where it noticed them, which for an unclosed
`{{` or `{% if %}` is a later line, or the end of the file; a template that
raises (`{{ [].pop() }}`, a macro that calls itself without end, a Python
error inside a filter) ends in a Python exception with no file at all. Here
each becomes an error naming the file, the line and what to do: the line is
read off the traceback's template frames, and an unclosed tag is found by
scanning the template for the opener that was never closed.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from typing import Any

from warehouse.core.errors import ProjectError, caret_snippet

_TAG = re.compile(r"({{|{%|{#)-?\s*(\w*)|(-?(}}|%}|#}))")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_BLOCKS = frozenset({"if", "for", "macro", "call", "filter", "block", "raw", "with",
                     "autoescape", "test", "materialization", "snapshot", "docs", "trans"})


def syntax_error(exc: Any, path: str, sources: Mapping[str, str]) -> ProjectError:
    """A Jinja TemplateSyntaxError, pointed at the tag that was left open where that is
    what went wrong (Jinja notices it only lines later)."""
    name = exc.filename or exc.name or path
    source = sources.get(name, "")
    opened = _unclosed(source, exc.lineno or 0, exc.message or "")
    if opened is not None:
        line, column, tag = opened
        return ProjectError(
            f"Jinja syntax error: the {tag} opened here is never closed "
            f"(Jinja stopped at line {exc.lineno}: {exc.message})", path=name, line=line,
            column=column, snippet=caret_snippet(source, line, column, len(tag)))
    return ProjectError(f"Jinja syntax error: {exc.message}", path=name, line=exc.lineno,
                        snippet=caret_snippet(source, exc.lineno or 0, None))


def _unclosed(source: str, stop_line: int, message: str) -> tuple[int, int, str] | None:
    """(line, column, text) of the tag the error is about: an expression or statement tag
    without its closer before `stop_line`, or the innermost block (`{% if %}` ...) never
    ended. None when the message is about something else."""
    about_tag = ("end of print statement" in message or "end of statement block" in message
                 or "Missing end of comment" in message)
    about_block = "Unexpected end of template" in message
    if not (about_tag or about_block):
        return None
    text = source if about_block else "\n".join(source.splitlines()[:stop_line])
    open_tag: tuple[int, str] | None = None
    blocks: list[tuple[int, str]] = []
    for match in _TAG.finditer(text):
        if match.group(1):
            if open_tag is None:
                open_tag = (match.start(), match.group(1))
                word = match.group(2)
                if match.group(1) == "{%" and word in _BLOCKS:
                    blocks.append((match.start(), "{% " + word))
                elif match.group(1) == "{%" and word.startswith("end") and blocks:
                    blocks.pop()
        elif open_tag is not None and match.group(4) == _CLOSER[open_tag[1]]:
            open_tag = None
    if about_tag and open_tag is not None:
        where, tag = open_tag
    elif about_block and blocks:
        where, tag = blocks[-1]
    else:
        return None
    line = source.count("\n", 0, where) + 1
    return line, where - (source.rfind("\n", 0, where) + 1) + 1, tag


def template_line(exc: BaseException, default: str,
                  sources: Mapping[str, str]) -> tuple[str, int | None]:
    """The innermost frame of the project's own templates in the traceback, or `default`."""
    found: tuple[str, int | None] = (default, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename in sources:
            found = (frame.filename, frame.lineno)
    return found


def undefined_error(exc: Any, path: str, line_hint: int | None,
                    sources: Mapping[str, str]) -> ProjectError:
    name, line = template_line(exc, path, sources)
    line = line if line is not None else line_hint
    return ProjectError(f"undefined name in template: {exc.message}", path=name, line=line,
                        snippet=caret_snippet(sources.get(name, ""), line or 0, None))


def runtime_error(exc: BaseException, path: str, line_hint: int | None,
                  sources: Mapping[str, str]) -> ProjectError:
    """Anything else a template raised: a Python error inside an expression or filter, a
    Jinja runtime error, or recursion without end."""
    name, line = template_line(exc, path, sources)
    line = line if line is not None else line_hint
    if isinstance(exc, RecursionError):
        message = ("a macro calls itself without end (Python's recursion limit was reached "
                   "while rendering)")
    else:
        message = f"error while rendering: {type(exc).__name__}: {exc}"
    return ProjectError(message, path=name, line=line,
                        snippet=caret_snippet(sources.get(name, ""), line or 0, None))


def place(exc: ProjectError, path: str, sources: Mapping[str, str]) -> ProjectError:
    """A ProjectError raised inside a template, given the file when it names none, and the
    offending line drawn when it has one."""
    if exc.path is None or exc.path == "<template>":
        exc.path = path
    if exc.line is not None and exc.snippet is None and exc.path in sources:
        exc.snippet = caret_snippet(sources[exc.path], exc.line, exc.column)
    return exc
