"""Jinja rendering of models, tests and macros, dbt-style.

One Jinja environment per project holds the macros as globals. The dbt
functions (`ref`, `source`, `config`, `this`, `is_incremental`, ...) are
globals too, but what they do depends on the node being rendered: that state
lives in a context variable, so macros called from a model see the model's
`ref` and several threads can render at once.

Undefined names are errors (StrictUndefined), reported at the line of the
file that used them, never rendered as an empty string.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from warehouse.core.errors import ProjectError, caret_snippet

_TEST_BLOCK = re.compile(r"{%(-?)\s*test\s+(\w+)")
_END_TEST = re.compile(r"{%(-?)\s*endtest\s*(-?)%}")
_UNSUPPORTED_BLOCK = re.compile(r"{%-?\s*(materialization|snapshot)\b")


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


_STATE: ContextVar[RenderState] = ContextVar("warehouse_render_state")


class Placeholder:
    """What `ref()` returns before relations are known (first render pass)."""

    def __init__(self, name: str) -> None:
        self.schema = "__unresolved__"
        self.name = self.identifier = self.table = name
        self.database = None

    def __str__(self) -> str:
        return f'"__unresolved__"."{self.name}"'


class _MacroReturn(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


def _dbt_return(value: Any) -> str:
    raise _MacroReturn(value)


def _returning(macro: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return macro(*args, **kwargs)
        except _MacroReturn as ret:
            return ret.value

    call.__name__ = getattr(macro, "name", "macro")
    return call


_SIMPLE_POSITION: ContextVar[tuple[str, int] | None] = ContextVar("warehouse_simple_position",
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
                state = _STATE.get(None)
                return (state.path, state.line) if state is not None else (None, None)
            return tmpl.filename, tmpl.get_corresponding_lineno(frame.f_lineno)
        if frame.f_code is RENDER_CODE:
            return _SIMPLE_POSITION.get() or (None, None)
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


class _Config:
    """`config(...)` records settings; `config.get(k)` reads them back."""

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if args:
            path, line = template_position()
            raise ProjectError("config() takes keyword arguments only",
                               path=path or _STATE.get().path, line=line,
                               hint="write {{ config(materialized='table') }}")
        _STATE.get().config.update(kwargs)
        return ""

    def get(self, key: str, default: Any = None) -> Any:
        return _STATE.get().config.get(key, default)

    def require(self, key: str) -> Any:
        state = _STATE.get()
        if key not in state.config:
            raise ProjectError(f"config {key!r} is required", path=state.path)
        return state.config[key]


class _This:
    """`{{ this }}`: the relation of the node being rendered."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_STATE.get().this, name)

    def __str__(self) -> str:
        return str(_STATE.get().this)


def _ref(*names: str, **kwargs: Any) -> Any:
    state = _STATE.get()
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


def _source(source_name: str, table_name: str) -> Any:
    state = _STATE.get()
    if not (isinstance(source_name, str) and isinstance(table_name, str)):
        path, line = template_position()
        raise ProjectError(f"source() takes a source and a table name in quotes, not "
                           f"{source_name!r}, {table_name!r}", path=path or state.path,
                           line=line, hint="write {{ source('source_name', 'table_name') }}")
    state.sources.append((source_name, table_name, template_position()[1]))
    if state.resolve_source:
        return state.resolve_source(source_name, table_name)
    return Placeholder(f"{source_name}.{table_name}")


_MISSING = object()


def _var(name: str, default: Any = _MISSING) -> Any:
    state = _STATE.get()
    if name in state.vars:
        return state.vars[name]
    if default is _MISSING:
        path, line = template_position()
        raise ProjectError(f"var {name!r} is not defined and has no default",
                           path=path or state.path, line=line,
                           hint="set it under [tool.warehouse.vars] or with --vars")
    return default


def _env_var(name: str, default: Any = _MISSING) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is _MISSING:
        path, line = template_position()
        raise ProjectError(f"environment variable {name!r} is not set and has no default",
                           path=path or _STATE.get().path, line=line)
    return default


def raise_located(message: str, hint: str | None = None) -> None:
    """Raise `message` at the line of the template running now."""
    path, line = template_position()
    state = _STATE.get(None)
    raise ProjectError(str(message), path=path or (state.path if state else None), line=line,
                       hint=hint)


def _raise_compiler_error(message: str) -> None:
    raise_located(message)


class _Exceptions:
    raise_compiler_error = staticmethod(_raise_compiler_error)

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


def preprocess(text: str) -> str:
    """dbt's block tags in plain Jinja: `{% test x %}` is a macro named `test_x`."""
    text = _TEST_BLOCK.sub(lambda m: "{%" + m.group(1) + " macro test_" + m.group(2), text)
    return _END_TEST.sub(lambda m: "{%" + m.group(1) + " endmacro " + m.group(2) + "%}", text)


class Renderer:
    """A Jinja environment over a project's templates and macros."""

    def __init__(self, sources: Mapping[str, str], macro_paths: list[str], docs: Mapping[str, str],
                 target: Mapping[str, Any], project_name: str = "") -> None:
        import jinja2

        self._sources = dict(sources)
        self.env = jinja2.Environment(
            loader=jinja2.FunctionLoader(self._load),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
            autoescape=False,
            # Every template compiled once per load: Jinja's default cache holds 400, and a
            # larger project compiled each model twice (once per render pass).
            cache_size=-1,
            auto_reload=False,
        )
        self._simple: dict[str, Any] = {}  # path -> SimpleTemplate, or None: needs Jinja
        self._strings: dict[str, Any] = {}  # render_string's compiled templates
        self.docs = dict(docs)
        from warehouse.dbt.subset import default_macros, refused_jinja_names

        self.env.globals.update({name: Unsupported(name, reason)
                                 for name, reason in refused_jinja_names().items()})
        self.env.globals.update(default_macros(target))
        self._add_context(target, project_name)
        self.env.globals.update(
            ref=_ref, source=_source, config=_Config(), var=_var, env_var=_env_var,
            this=_This(), is_incremental=lambda: _STATE.get().incremental,
            doc=self._doc, exceptions=_Exceptions(), **{"return": _dbt_return},
        )
        self.macros: dict[str, tuple[str, Callable[..., Any]]] = {}
        for path in macro_paths:
            self._load_macros(path)

    def _add_context(self, target: Mapping[str, Any], project_name: str) -> None:
        """dbt's context (jinja_context), `adapter`, and dbt's macros as `dbt.*` and bare
        (crossdb), all before the project's macros, which may override them."""
        from warehouse.compile.jinja_adapter import JinjaAdapter
        from warehouse.compile.jinja_context import Context
        from warehouse.dbt.crossdb import DbtNamespace, unprefixed

        context = Context(_STATE.get, raise_located, target, project_name)
        self.context = context
        self.env.globals.update(context.globals())
        self.env.globals["adapter"] = JinjaAdapter(context)

        def project_macro(name: str) -> Any:
            return self.env.globals[name] if name in self.macros else None

        def builtin(name: str) -> Any:
            return None if name in self.macros else self.env.globals.get(name)

        namespace = DbtNamespace(project_macro, builtin, raise_located, context.fetch_one)
        self.env.globals.update(unprefixed(namespace))
        self.env.globals["dbt"] = namespace

    def _load(self, name: str):
        text = self._sources[name]
        _check_supported(name, text)
        return preprocess(text), name, lambda: True

    def source_text(self, path: str) -> str | None:
        return self._sources.get(path)

    def parse_template(self, path: str) -> Any:
        """The Jinja syntax tree of `path`, or None if it is no template of this project."""
        if path not in self._sources:
            return None
        source, _name, _uptodate = self._load(path)
        return self.env.parse(source)

    def add_source(self, path: str, text: str) -> None:
        self._sources[path] = text
        self._simple.pop(path, None)

    def _load_macros(self, path: str) -> None:
        module = self._run(path, lambda: self.env.get_template(path).module, RenderState(path))
        for name in dir(module):
            macro = getattr(module, name)
            if name.startswith("_") or not callable(macro):
                continue
            if name in self.macros:
                other = self.macros[name][0]
                text = self._sources.get(path, "")
                found = re.search(r"{%-?\s*macro\s+" + re.escape(name) + r"\b", text)
                line = text.count("\n", 0, found.start()) + 1 if found else None
                raise ProjectError(f"macro {name!r} is defined twice (also in {other})",
                                   path=path, line=line,
                                   snippet=caret_snippet(text, line, None) if line else None)
            self.macros[name] = (path, macro)
            self.env.globals[name] = _returning(macro)

    def _doc(self, name: str) -> str:
        if name not in self.docs:
            path, line = template_position()
            raise ProjectError(f"doc({name!r}): no docs block of that name", path=path, line=line)
        return self.docs[name]

    def render(self, path: str, state: RenderState) -> str:
        simple = self._simple_template(path)
        if simple is not None:
            done = self._render_simple(path, simple, state)
            if done is not None:
                return done
        return self._run(path, lambda: self.env.get_template(path).render(), state)

    def _simple_template(self, path: str) -> Any:
        from warehouse.compile.simple_template import SimpleTemplate

        if path not in self._simple:
            text = self._sources.get(path)
            self._simple[path] = SimpleTemplate.compile(text) if text is not None else None
        return self._simple[path]

    def _render_simple(self, path: str, simple: Any, state: RenderState) -> str | None:
        """The fast path's output, or None: Jinja renders it again (and reports any error
        its own way) from the state as it was before."""
        refs, sources, config = len(state.refs), len(state.sources), dict(state.config)

        def at_line(line: int | None) -> None:
            _SIMPLE_POSITION.set(None if line is None else (path, line))

        token = _STATE.set(state)
        try:
            return simple.render(self.env.globals, at_line)
        except Exception:  # noqa: BLE001 - Jinja repeats the render and raises properly
            del state.refs[refs:], state.sources[sources:]
            state.config.clear()
            state.config.update(config)
            return None
        finally:
            _STATE.reset(token)

    # The load's vars (the project's, --vars on top): what var() reads in a string
    # rendered without vars of its own (property YAML: descriptions, a source's identifier).
    default_vars: Mapping[str, Any] = {}

    def render_string(self, text: str, state: RenderState, context: Mapping[str, Any]) -> str:
        if not state.vars and self.default_vars:
            state.vars = self.default_vars
        template = self._strings.get(text)
        if template is None:
            template = self._strings[text] = self.env.from_string(preprocess(text))
        return self._run(state.path, lambda: template.render(**context), state)

    def call_macro(self, name: str, state: RenderState | str, **kwargs: Any) -> str:
        """Call macro `name` as the node `state` renders (a path: a node that refs nothing)."""
        if isinstance(state, str):
            state = RenderState(state)
        _, macro = self.macros[name]
        return self._run(state.path, lambda: _returning(macro)(**kwargs), state)

    def _run(self, path: str, action: Callable[[], Any], state: RenderState) -> Any:
        """Run `action` as `state`'s render; whatever it raises becomes a located
        ProjectError (see `render_errors`)."""
        import jinja2

        from warehouse.compile import render_errors

        token = _STATE.set(state)
        try:
            return action()
        except _MacroReturn as ret:
            return ret.value
        except jinja2.TemplateSyntaxError as exc:
            raise render_errors.syntax_error(exc, path, self._sources) from None
        except jinja2.UndefinedError as exc:
            raise render_errors.undefined_error(exc, path, state.line, self._sources) from None
        except ProjectError as exc:
            raise render_errors.place(exc, path, self._sources) from None
        except Exception as exc:  # noqa: BLE001 - whatever a template raises is located
            raise render_errors.runtime_error(exc, path, state.line, self._sources) from exc
        finally:
            _STATE.reset(token)


def _check_supported(path: str, text: str) -> None:
    match = _UNSUPPORTED_BLOCK.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise ProjectError(f"the dbt construct '{{% {match.group(1)} %}}' is not supported",
                           path=path, line=line, snippet=caret_snippet(text, line, None))
