"""A fast path for templates that are only text and `{{ name(constant, ...) }}` calls.

Compiling a Jinja template costs one to two milliseconds (lexer, parser, code
generation, Python's `compile`): on a 500-model project that was the largest
share of loading it. Most models use Jinja only to call `ref()`, `source()`,
`config()`, `var()` or a macro with constant arguments, so such a template is
split once into text and calls, and rendered by calling the Jinja globals
directly. The output is what Jinja would produce (`str()` of each value, text
untouched). Anything else — a block tag, a comment, whitespace control, a
filter, an attribute, a variable, an argument that is not a constant — is not
"simple" and goes to Jinja, and so does any render that raises, so errors are
always Jinja's own, with their lines.

>>> t = SimpleTemplate.compile("select * from {{ ref('a') }}\\n")
>>> t.render({"ref": lambda name: f'"main"."{name}"'}, lambda line: None)
'select * from "main"."a"\\n'
>>> SimpleTemplate.compile("{% if x %}1{% endif %}") is None
True
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_LITERAL_TYPES = (str, int, float, bool, type(None))
_JINJA_NUMBER = re.compile(r"(0|[1-9](_?[0-9])*)(\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?")


class NotSimple(Exception):
    """The template needs Jinja after all (a name that is no plain global)."""


@dataclass(frozen=True)
class Call:
    """One `{{ name(args) }}`: the global's name, constant arguments, and its line."""

    name: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    line: int
    # No keyword arguments, and the arguments are text, numbers or none: nothing to copy
    plain: bool = False


@dataclass(frozen=True)
class SimpleTemplate:
    """Text pieces and calls, alternating: text, call, text, ..., text."""

    texts: tuple[str, ...]
    calls: tuple[Call, ...]

    @classmethod
    def compile(cls, source: str) -> SimpleTemplate | None:
        """The template split into text and calls, or None if it needs Jinja."""
        if "{%" in source or "{#" in source or "\r" in source or "\\" in source:
            return None
        texts: list[str] = []
        calls: list[Call] = []
        pos = counted = 0
        line = 1
        while True:
            start = source.find("{{", pos)
            if start < 0:
                break
            stop = source.find("}}", start + 2)
            if stop < 0:
                return None
            expr = source[start + 2:stop]
            call = _parse_call(expr)
            if call is None:
                return None
            name, args, kwargs = call
            name_at = start + 2 + len(expr) - len(expr.lstrip())
            line += source.count("\n", counted, name_at)
            counted = name_at
            texts.append(source[pos:start])
            plain = not kwargs and all(isinstance(v, _LITERAL_TYPES) for v in args)
            calls.append(Call(name, args, kwargs, line, plain))
            pos = stop + 2
        if "}}" in source[pos:]:
            return None  # a stray `}}` is text to Jinja too, but keep the rule simple
        texts.append(source[pos:])
        return cls(tuple(texts), tuple(calls))

    def render(self, globals_: Mapping[str, Any], at_line: Callable[[int | None], Any]) -> str:
        """Call each global in turn; `at_line(n)` tells `template_position()` where we are.

        Raises NotSimple when a name is not a plain callable global (Jinja decides then)."""
        out = [self.texts[0]]
        try:
            for call, text in zip(self.calls, self.texts[1:], strict=True):
                fn = globals_.get(call.name)
                if fn is None or not callable(fn) or _wants_context(fn):
                    raise NotSimple(call.name)
                at_line(call.line)
                if call.plain:
                    out.append(str(fn(*call.args)))
                else:
                    out.append(str(fn(*_fresh(call.args), **dict(_fresh(call.kwargs)))))
                out.append(text)
        finally:
            at_line(None)
        return "".join(out)


_QUOTED = r"""(?:'[^'\\\n]*'|"[^"\\\n]*")"""
# `name('text', "text")`, the most common call (ref, source, var), read without `ast`
_STRINGS_CALL = re.compile(rf"\s*([A-Za-z_]\w*)\(\s*({_QUOTED}(?:\s*,\s*{_QUOTED})*)\s*\)\s*")
_QUOTED_ONE = re.compile(_QUOTED)


def _parse_call(expr: str) -> tuple[str, tuple, tuple] | None:
    """`name(constant, key=constant)` as (name, args, kwargs), or None."""
    if expr[:1] in "-+" or expr[-1:] in "-+":
        return None  # whitespace control
    strings = _STRINGS_CALL.fullmatch(expr)
    if strings is not None:
        args = tuple(m[1:-1] for m in _QUOTED_ONE.findall(strings.group(2)))
        return strings.group(1), args, ()
    return _parse_other(expr.strip())


@lru_cache(maxsize=4096)
def _parse_other(text: str) -> tuple[str, tuple, tuple] | None:
    """`_parse_call` of any other call, through `ast`: kept by its text, as the same call
    (`config(materialized='view')`, a macro with the same arguments) is written in many
    models. Its lists and mappings are shared, never given out: `_fresh` copies them for
    each render."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    lines = text.encode().splitlines()
    if not all(_written_as_jinja(c, lines) for c in ast.walk(node) if isinstance(c, ast.Constant)):
        return None
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords):
        return None
    try:
        args = tuple(ast.literal_eval(a) for a in node.args)
        kwargs = tuple((k.arg, ast.literal_eval(k.value)) for k in node.keywords)
    except ValueError:
        return None  # a variable, an attribute, Jinja's `true`: not constant in Python
    if not all(_constant(v) for v in (*args, *(v for _, v in kwargs))):
        return None
    return node.func.id, args, kwargs


def _written_as_jinja(node: ast.Constant, lines: list[bytes]) -> bool:
    """Python reads some literals Jinja rejects (`r'x'`, `.5`, `5.`): those go to Jinja.

    `lines` are the expression's, in UTF-8, which is what ast's offsets count."""
    if node.end_lineno != node.lineno or node.end_col_offset is None:
        return False  # a literal over several lines: Jinja decides
    written = lines[node.lineno - 1][node.col_offset:node.end_col_offset].decode()
    if isinstance(node.value, str):
        return written[:1] in ("'", '"')
    if isinstance(node.value, bool) or node.value is None:
        return True
    return _JINJA_NUMBER.fullmatch(written) is not None


def _constant(value: Any) -> bool:
    """Values Jinja's literals produce too (no sets, bytes or complex numbers)."""
    if isinstance(value, _LITERAL_TYPES):
        return True
    if isinstance(value, list | tuple):
        return all(_constant(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, _LITERAL_TYPES) and _constant(v) for k, v in value.items())
    return False


def _fresh(values: tuple) -> tuple:
    """Arguments as new objects per render, as Jinja builds its literals each time, so a
    callee that changes a list it was given cannot change the next render."""
    if all(isinstance(v, _LITERAL_TYPES) for v in values):
        return values
    return tuple(_copy(v) for v in values)


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


def _wants_context(fn: Any) -> bool:
    """Jinja passes the context to functions marked `pass_context` and the like (`fn` is
    callable: its `__call__` is checked too, as Jinja does)."""
    return hasattr(fn, "jinja_pass_arg") or hasattr(fn.__call__, "jinja_pass_arg")


RENDER_CODE = SimpleTemplate.render.__code__  # `template_position()` stops at this frame
