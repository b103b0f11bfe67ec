"""One root exception for every error a user can act on.

The CLI prints these as a short message (no traceback unless --debug) and
exits with the code the error carries: 2 for usage and project errors.
Everything that knows a file position attaches it, so the message points at
the line the user wrote, not at rendered SQL.
"""

from __future__ import annotations


class WarehouseError(Exception):
    """An error in the user's project or invocation, with its location."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        snippet: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.snippet = snippet
        self.hint = hint

    @property
    def location(self) -> str:
        """`path:line:col` as editors and terminals make clickable."""
        if not self.path:
            return ""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        lines = [head]
        if self.snippet:
            lines.append(self.snippet.rstrip("\n"))
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class ProjectError(WarehouseError):
    """The project's files (config, YAML, models, seeds) are not valid."""


class Unsupported(ProjectError):
    """A construct the engine does not support (a config it would not honour, a python
    model): refused for the node that uses it, located where it was written. The load
    keeps that node as one that fails when it runs (core/nodes.py `Refusal`), so the rest
    of the project still builds; where no node owns it, it is a ProjectError as any."""


class UsageError(WarehouseError):
    """The command line asks for something that cannot be done."""


class NodeFailure(WarehouseError):
    """A model, seed or test failed while running; the build goes on around it."""

    exit_code = 1


def caret_snippet(source: str, line: int, column: int | None, width: int = 1) -> str:
    """The offending source line with a caret under the column (1-based)."""
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1]
    gutter = f"{line:>5} | "
    out = [gutter + text]
    if column is not None and column >= 1:
        out.append(" " * (len(gutter) + column - 1) + "^" * max(1, width))
    return "\n".join(out)
