"""The globals every render shares, and the state of the render running now.

The dbt functions (`ref`, `source`, `config`, `var`, `env_var`, `this`,
`exceptions`, `return`) are Jinja globals, one set per project, but what they
do depends on the node being rendered: that state (`RenderState`) lives in a
context variable (`STATE`), so macros called from a model see the model's `ref`
and several threads can render at once. `template_position` finds the template
line running now, for errors that name their file and line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from warehouse.compile.jinja_relation import RelationMapping, as_mapping
from warehouse.core.errors import ProjectError


@dataclass
class RenderState:
    """What one render of one node records and needs (mutable, per render)."""

    path: str
    resolve_ref: Callable[[str], Any] | None = None
    resolve_source: Callable[[str, str], Any] | None = None
    this: Any = None
    incremental: bool = False
    refs: list[tuple[str, int | None]] = field(default_factory=list)
    sources: list[tuple[str, str, int | None]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    vars: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None  # where a string template (a test's YAML arguments) was written
    # At run time, jinja_context.RunContext (the build's session, flags, graph); None at
    # load, where `execute` is false. `touched`: what the render read that differs at run
    # time (jinja_context's kinds); `results`: statement results by name.
    runtime: Any = None
    touched: set[str] = field(default_factory=set)
    results: dict[str, Any] = field(default_factory=dict)
    # A unit test's `overrides: env_vars:` (compile/unit_render.py), read before the process's
    env_overrides: Mapping[str, Any] = field(default_factory=dict)


STATE: ContextVar[RenderState] = ContextVar("warehouse_render_state")


@as_mapping
class Placeholder(RelationMapping):
    """What `ref()` returns before relations are known (first render pass)."""

    def __init__(self, name: str) -> None:
        self.schema = "__unresolved__"
        self.name = self.identifier = self.table = name
        self.database = None

    def __str__(self) -> str:
        return f'"__unresolved__"."{self.name}"'


class MacroReturn(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


def dbt_return(value: Any) -> str:
    raise MacroReturn(value)


def returning(macro: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return macro(*args, **kwargs)
        except MacroReturn as ret:
            return ret.value

    call.__name__ = getattr(macro, "name", "macro")
    return call


SIMPLE_POSITION: ContextVar[tuple[str, int] | None] = ContextVar("warehouse_simple_position",
                                                                  default=None)


def template_position() -> tuple[str | None, int | None]:
    """File and line of the innermost template frame running now (a Jinja template's, or
    the call a simple template is making: see `simple_template`)."""
    from warehouse.compile.simple_template import RENDER_CODE

    frame = sys._getframe(1)
    while frame is not None:
        tmpl = frame.f_globals.get("__jinja_template__")
        if tmpl is not None:
            if tmpl.filename in (None, "<template>"):  # a string: where it was written
                state = STATE.get(None)
                return (state.path, state.line) if state is not None else (None, None)
            return tmpl.filename, tmpl.get_corresponding_lineno(frame.f_lineno)
        if frame.f_code is RENDER_CODE:
            return SIMPLE_POSITION.get() or (None, None)
        frame = frame.f_back
    return None, None


class Unsupported:
    """A Jinja global that raises when used, naming itself and the template line.

    Without it, `adapter.get_relation(...)` would fail as an undefined name;
    with it the message says which construct is outside the subset and why
    (the names and reasons are `warehouse.dbt.subset`'s)."""

    def __init__(self, name: str, reason: str) -> None:
        self._name = name
        self._reason = reason

    def __getattr__(self, attr: str) -> Unsupported:
        if attr.startswith("_") or attr.startswith("jinja"):
            raise AttributeError(attr)
        return Unsupported(f"{self._name}.{attr}", self._reason)

    def _fail(self, *_args: Any, **_kwargs: Any) -> Any:
        path, line = template_position()
        raise ProjectError(f"{self._name} is not supported: {self._reason}", path=path,
                           line=line)

    __call__ = _fail
    __str__ = _fail
    __iter__ = _fail


class DbtConfig:
    """`config(...)` records settings; `config.get(k)` reads them back."""

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if args:
            path, line = template_position()
            raise ProjectError("config() takes keyword arguments only",
                               path=path or STATE.get().path, line=line,
                               hint="write {{ config(materialized='table') }}")
        STATE.get().config.update(kwargs)
        return ""

    def get(self, key: str, default: Any = None) -> Any:
        return STATE.get().config.get(key, default)

    def require(self, key: str) -> Any:
        state = STATE.get()
        if key not in state.config:
            raise ProjectError(f"config {key!r} is required", path=state.path)
        return state.config[key]


class DbtThis:
    """`{{ this }}`: the relation of the node being rendered."""

    def __getattr__(self, name: str) -> Any:
        return getattr(STATE.get().this, name)

    def __str__(self) -> str:
        return str(STATE.get().this)


def dbt_ref(*names: str, **kwargs: Any) -> Any:
    state = STATE.get()
    if len(names) == 2:  # ref('package', 'model')
        names = names[1:]
    if len(names) != 1 or kwargs.get("v") or kwargs.get("version"):
        raise ProjectError("ref() takes one model name (packages and versions are not supported)",
                           path=state.path, line=template_position()[1])
    name = names[0]
    if not isinstance(name, str):
        path, line = template_position()
        raise ProjectError(f"ref() takes a model name in quotes, not {name!r}",
                           path=path or state.path, line=line,
                           hint="write {{ ref('model_name') }}")
    state.refs.append((name, template_position()[1]))
    return state.resolve_ref(name) if state.resolve_ref else Placeholder(name)


def dbt_source(source_name: str, table_name: str) -> Any:
    state = STATE.get()
    if not (isinstance(source_name, str) and isinstance(table_name, str)):
        path, line = template_position()
        raise ProjectError(f"source() takes a source and a table name in quotes, not "
                           f"{source_name!r}, {table_name!r}", path=path or state.path,
                           line=line, hint="write {{ source('source_name', 'table_name') }}")
    state.sources.append((source_name, table_name, template_position()[1]))
    if state.resolve_source:
        return state.resolve_source(source_name, table_name)
    return Placeholder(f"{source_name}.{table_name}")


MISSING = object()


def dbt_var(name: str, default: Any = MISSING) -> Any:
    state = STATE.get()
    if name in state.vars:
        return state.vars[name]
    if default is MISSING:
        path, line = template_position()
        raise ProjectError(f"var {name!r} is not defined and has no default",
                           path=path or state.path, line=line,
                           hint="set it under [tool.warehouse.vars] or with --vars")
    return default


def dbt_env_var(name: str, default: Any = MISSING) -> str:
    overrides = STATE.get().env_overrides
    if name in overrides:
        return overrides[name]
    if name in os.environ:
        return os.environ[name]
    if default is MISSING:
        path, line = template_position()
        raise ProjectError(f"environment variable {name!r} is not set and has no default",
                           path=path or STATE.get().path, line=line)
    return default


def raise_located(message: str, hint: str | None = None) -> None:
    """Raise `message` at the line of the template running now."""
    path, line = template_position()
    state = STATE.get(None)
    raise ProjectError(str(message), path=path or (state.path if state else None), line=line,
                       hint=hint)


def raise_compiler_error(message: str) -> None:
    raise_located(message)


class DbtExceptions:
    raise_compiler_error = staticmethod(raise_compiler_error)

    @staticmethod
    def warn(message: str) -> str:
        print(f"warning: {message}", file=sys.stderr)
        return ""

    @staticmethod
    def raise_not_implemented(message: str) -> None:
        raise_located(f"not implemented: {message}")

    @staticmethod
    def raise_database_error(message: str) -> None:
        raise_located(f"database error: {message}")

    @staticmethod
    def raise_fail_fast_error(message: str, node: Any = None) -> None:
        raise_located(message)
