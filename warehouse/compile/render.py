"""Jinja rendering of models, tests and macros, dbt-style.

One Jinja environment per project holds the macros as globals. The dbt
functions (`ref`, `source`, `config`, `this`, `is_incremental`, ...) are
globals too, but what they do depends on the node being rendered: that state
lives in a context variable, so macros called from a model see the model's
`ref` and several threads can render at once (`render_globals`).

Undefined names are errors (StrictUndefined), reported at the line of the
file that used them, never rendered as an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from warehouse.compile.render_globals import (
    SIMPLE_POSITION,
    STATE,
    DbtConfig,
    DbtExceptions,
    DbtThis,
    MacroReturn,
    RenderState,
    Unsupported,
    dbt_env_var,
    dbt_ref,
    dbt_return,
    dbt_source,
    dbt_var,
    raise_located,
    returning,
    template_position,
)
from warehouse.core.errors import ProjectError, caret_snippet

_TEST_BLOCK = re.compile(r"{%(-?)\s*test\s+(\w+)")
_END_TEST = re.compile(r"{%(-?)\s*endtest\s*(-?)%}")
_UNSUPPORTED_BLOCK = re.compile(r"{%-?\s*(materialization|snapshot)\b")
_SNAPSHOT_TAG = re.compile(r"{%(-?)\s*(?:snapshot\s+(\w+)|(endsnapshot))\s*(-?)%}")
SNAPSHOT_MACRO = "wh_snapshot__"  # `{% snapshot x %}` is rendered as a macro of this prefix


def preprocess(text: str) -> str:
    """dbt's block tags in plain Jinja: `{% test x %}` is a macro named `test_x`."""
    text = _TEST_BLOCK.sub(lambda m: "{%" + m.group(1) + " macro test_" + m.group(2), text)
    return _END_TEST.sub(lambda m: "{%" + m.group(1) + " endmacro " + m.group(2) + "%}", text)


class Renderer:
    """A Jinja environment over a project's templates and macros."""

    def __init__(self, sources: Mapping[str, str], macro_paths: list[str], docs: Mapping[str, str],
                 target: Mapping[str, Any], project_name: str = "", *,
                 packages: Mapping[str, Any] | None = None,
                 dispatch: Mapping[str, Any] | None = None) -> None:
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
        from warehouse.compile.package_context import package_lenient_undefined

        def in_package() -> bool:
            library = getattr(self, "library", None)
            return library is not None and library.package_of(template_position()[0]) \
                is not None

        self.env.undefined = package_lenient_undefined(in_package)
        self._simple: dict[str, Any] = {}  # path -> SimpleTemplate, or None: needs Jinja
        self._strings: dict[str, Any] = {}  # render_string's compiled templates
        self.docs = dict(docs)
        from warehouse.dbt.subset import default_macros, refused_jinja_names

        self.env.globals.update({name: Unsupported(name, reason)
                                 for name, reason in refused_jinja_names().items()})
        self.env.globals.update(default_macros(target))
        self._add_context(target, project_name)
        self.env.globals.update(
            ref=dbt_ref, source=dbt_source, config=DbtConfig(), var=dbt_var, env_var=dbt_env_var,
            this=DbtThis(), is_incremental=lambda: STATE.get().incremental,
            doc=self._doc, exceptions=DbtExceptions(), **{"return": dbt_return},
        )
        self.macros: dict[str, tuple[str, Callable[..., Any]]] = {}  # the root project's
        self._add_macros(macro_paths, project_name, packages or {}, dispatch or {})

    def _add_context(self, target: Mapping[str, Any], project_name: str) -> None:
        """dbt's context (jinja_context), `adapter`, and dbt's macros as `dbt.*` and bare
        (crossdb), all before the project's macros, which may override them."""
        from warehouse.compile.jinja_adapter import JinjaAdapter
        from warehouse.compile.jinja_context import Context
        from warehouse.dbt.crossdb import DbtNamespace, unprefixed

        context = Context(STATE.get, raise_located, target, project_name)
        self.context = context
        self.env.globals.update(context.globals())
        self.env.globals["adapter"] = JinjaAdapter(context)
        from warehouse.compile.package_context import package_globals

        self.env.globals.update(package_globals(
            STATE.get, self.env.globals["flags"], self.env.globals["adapter"],
            lambda path: self.library.package_of(path), project_name))

        def project_macro(name: str) -> Any:
            return self.env.globals[name] if name in self.macros else None

        def builtin(name: str) -> Any:
            return None if name in self.macros else self.env.globals.get(name)

        namespace = DbtNamespace(project_macro, builtin, raise_located, context.fetch_one)
        self.env.globals.update(unprefixed(namespace))
        self.env.globals["dbt"] = namespace

    def _add_macros(self, macro_paths: list[str], project_name: str,
                    packages: Mapping[str, Any], dispatch: Mapping[str, Any]) -> None:
        """The root project's macros (compiled now) and the packages' (`packages`: name ->
        PackageConfig; compiled when first called), as macro_library resolves them."""
        from warehouse.compile.macro_library import MacroLibrary

        dirs = {name: package.package_dir for name, package in packages.items()}
        self.library = library = MacroLibrary(
            project_name, dirs, {p: self._sources[p] for p in macro_paths}, self.macros,
            compile_file=lambda path: self._run(path, lambda: self._macro_module(path),
                                                RenderState(path)),
            wrap=returning, state=lambda: STATE.get(None), position=template_position,
            dispatch_orders=dispatch)
        dbt = self.env.globals.get("dbt")
        if not isinstance(dbt, Unsupported) and hasattr(dbt, "dispatch"):
            library.internal = dbt.dispatch
        adapter = self.env.globals.get("adapter")
        if not isinstance(adapter, Unsupported):
            adapter.dispatcher = library.dispatch
        for path in macro_paths:
            if library.package_of(path) is None:
                self._load_macros(path)
        if not packages:
            return
        from warehouse.compile.macro_library import package_vars

        self.env.globals["var"] = package_vars(self.env.globals["var"], library, packages,
                                               lambda: STATE.get().vars)
        for name in packages:
            if name not in self.macros:
                self.env.globals[name] = library.namespace(name)
        if project_name and isinstance(self.env.globals.get(project_name, Unsupported("", "")),
                                       Unsupported):
            self.env.globals[project_name] = library.namespace(project_name)
        for name in sorted({n for names in library.index.values() for n in names}):
            current = self.env.globals.get(name)
            builtin = None if name in self.macros or isinstance(current, Unsupported) else current
            self.env.globals[name] = library.bare_name(name, builtin)

    def _macro_module(self, path: str) -> Any:
        """A macro file's module. Its names are looked up in the environment's globals as
        they are when a macro runs (not copied when the module is made), so a macro may
        call one from a file compiled after its own. Names starting with `_` are kept
        too (Jinja's module leaves them out; dbt_utils calls `dbt_utils._is_relation`)."""
        from jinja2.environment import TemplateModule

        template = self.env.get_template(path)
        context = template.new_context(self.env.globals, shared=True)
        module = TemplateModule(template, context)
        for name, value in context.vars.items():
            if name.startswith("_") and callable(value) and name not in module.__dict__:
                module.__dict__[name] = value
        return module

    def _load(self, name: str):
        text = self._sources[name]
        if name in self._snapshot_files:
            _check_supported(name, snapshot_macros(name, text, tags=False))
            return snapshot_macros(name, text), name, lambda: True
        _check_supported(name, text)
        return preprocess(text), name, lambda: True

    _snapshot_files: frozenset[str] = frozenset()

    def add_snapshot_files(self, files: Mapping[str, str]) -> None:
        """Files of the snapshot paths: their `{% snapshot %}` blocks render as macros."""
        self._sources.update(files)
        self._snapshot_files = self._snapshot_files | frozenset(files)

    def render_snapshot(self, path: str, name: str, state: RenderState,
                        context: Mapping[str, Any]) -> str:
        """The SQL of block `name` of snapshot file `path`, rendered as `state`'s node, with
        `context` (dbt's `schema`, `database`) as template variables."""
        def body() -> str:
            module = self.env.get_template(path).make_module(vars=dict(context))
            return str(getattr(module, SNAPSHOT_MACRO + name)())

        return self._run(path, body, state)

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
        module = self._run(path, lambda: self._macro_module(path), RenderState(path))
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
            self.env.globals[name] = returning(macro)

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
            SIMPLE_POSITION.set(None if line is None else (path, line))

        token = STATE.set(state)
        try:
            return simple.render(self.env.globals, at_line)
        except Exception:  # noqa: BLE001 - Jinja repeats the render and raises properly
            del state.refs[refs:], state.sources[sources:]
            state.config.clear()
            state.config.update(config)
            return None
        finally:
            STATE.reset(token)

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
        if name in self.macros:
            call = returning(self.macros[name][1])
        else:  # `package.name`
            call = self.library.in_package(*name.split(".", 1))
        return self._run(state.path, lambda: call(**kwargs), state)

    def naming_macro(self, name: str, path: str) -> str | None:
        """The macro `generate_schema_name` (or alias, database) that names the node at
        `path`, for call_macro: as dbt, a package's own for its nodes, else the root
        project's; None for dbt's default."""
        package = self.library.package_of(path)
        if package is not None and name in self.library.index[package]:
            return f"{package}.{name}"
        return name if name in self.macros else None

    def _run(self, path: str, action: Callable[[], Any], state: RenderState) -> Any:
        """Run `action` as `state`'s render; whatever it raises becomes a located
        ProjectError (see `render_errors`)."""
        import jinja2

        from warehouse.compile import render_errors

        token = STATE.set(state)
        try:
            return action()
        except MacroReturn as ret:
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
            STATE.reset(token)


def _check_supported(path: str, text: str) -> None:
    match = _UNSUPPORTED_BLOCK.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        hint = ("a snapshot belongs in a file of the snapshot paths (snapshots/)"
                if match.group(1) == "snapshot" else None)
        raise ProjectError(f"the dbt construct '{{% {match.group(1)} %}}' is not supported"
                           + (" here" if hint else ""), path=path, line=line, hint=hint,
                           snippet=caret_snippet(text, line, None))


def snapshot_blocks(path: str, text: str) -> list[tuple[str, int, int, int]]:
    """The `{% snapshot name %}...{% endsnapshot %}` blocks of a file: (name, offset of the
    opening tag, offset after the closing tag, line of the opening tag). A block left
    open, or closed twice, is an error at its tag."""
    blocks: list[tuple[str, int, int, int]] = []
    opened: re.Match[str] | None = None
    for tag in _SNAPSHOT_TAG.finditer(text):
        line = text.count("\n", 0, tag.start()) + 1
        if (tag.group(3) is None) == (opened is None):
            if opened is None:
                opened = tag
                continue
            blocks.append((opened.group(2), opened.start(), tag.end(),
                           text.count("\n", 0, opened.start()) + 1))
            opened = None
            continue
        what = ("{% endsnapshot %} closes no {% snapshot %} block" if opened is None else
                f"{{% snapshot {tag.group(2)} %}} opens inside snapshot "
                f"{opened.group(2)!r}, which is not closed")
        raise ProjectError(what, path=path, line=line, snippet=caret_snippet(text, line, None))
    if opened is not None:
        line = text.count("\n", 0, opened.start()) + 1
        raise ProjectError(f"snapshot {opened.group(2)!r} has no {{% endsnapshot %}}",
                           path=path, line=line, snippet=caret_snippet(text, line, None))
    return blocks


def blank(text: str) -> str:
    """Only the line breaks of `text`: what dbt ignores, with the lines kept counted."""
    return "\n" * text.count("\n")


def snapshot_macros(path: str, text: str, *, tags: bool = True) -> str:
    """A snapshot file as Jinja: each block a macro (`SNAPSHOT_MACRO` + its name), the
    text between blocks blanked (dbt ignores it), every line where it was. Without
    `tags`: the blocks' own text only, for checking what they hold."""
    def tag(match: re.Match[str], name: str) -> str:
        if not tags:
            return blank(match.group(0))
        inner = " endmacro " if match.group(3) else f" macro {SNAPSHOT_MACRO}{name}() "
        return "{%" + match.group(1) + inner + match.group(4) + "%}" + blank(match.group(0))

    out, end = [], 0
    for name, start, stop, _line in snapshot_blocks(path, text):
        out.append(blank(text[end:start]))
        out.append(_SNAPSHOT_TAG.sub(lambda m, name=name: tag(m, name), text[start:stop]))
        end = stop
    out.append(blank(text[end:]))
    return "".join(out)
