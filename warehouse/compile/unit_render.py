"""A unit test's model rendered with its inputs replaced: each `ref()`, `source()` and `this`
reads a CTE of the given rows, and the test's `overrides:` hold while it renders.

The model's own template is rendered again (not its compiled SQL), because the
overrides may change what it renders: `is_incremental()` true takes the
incremental branch and reads `this`; `vars` and `env_vars` stand in for the
project's; a macro override makes every call of that macro, from the model or
from another macro, return the given value. Every input the render asks for
must be given (a seed left out is given its file's rows, as dbt does); an
input given that the model never reads is reported, since the rows written
for it test nothing.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from warehouse.compile.render_globals import RenderState
from warehouse.compile.resolve import RelationView
from warehouse.compile.unit_tests import Context, Where, seed_fixture
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind, quote_ident
from warehouse.core.nodes import Fixture, ModelNode, SeedNode, SourceNode, UnitTestNode

CTE_PREFIX = "__unit_"


class InputName:
    """What `ref()`/`source()`/`this` give the model in a unit test: the CTE of the rows."""

    def __init__(self, cte: str) -> None:
        self.name = self.identifier = self.table = cte
        self.schema = self.database = None
        self.used = False

    def __str__(self) -> str:
        self.used = True
        return quote_ident(self.name)


def cte_name(label: str, node: NodeId | None) -> str:
    if node is None:
        return CTE_PREFIX + "this"
    kind = "src" if node.kind is NodeKind.SOURCE else "ref"
    return f"{CTE_PREFIX}{kind}_{node.name.replace('.', '__')}"


def render_for_test(renderer: Any, test: UnitTestNode, entry: Mapping[str, Any], where: Where,
                    context: Context) -> UnitTestNode:
    """`test` with its model's SQL rendered and each input told how it may be typed."""
    model = context.nodes[NodeId(NodeKind.MODEL, test.model)]
    assert isinstance(model, ModelNode)
    what = f"unit test {test.name!r}"
    given = {f.label: _typed(f, model, context) for f in test.given}
    macros = dict(test.overrides.get("macros") or {})
    incremental = _incremental(test, model, macros, given, entry, where, what)
    asked: list[str] = []
    missing: list[str] = []

    def lookup(label: str, node_id: NodeId) -> InputName:
        asked.append(label)
        fixture = given.get(label)
        node = context.nodes.get(node_id)
        if fixture is None and isinstance(node, SeedNode):
            fixture = given[label] = _typed(seed_fixture(node, context, line=None, label=label),
                                            model, context)
        if fixture is None:
            missing.append(label)
            return InputName(cte_name(label, node_id))
        return InputName(fixture.cte)

    def ref(name: str) -> InputName:
        model_id = NodeId(NodeKind.MODEL, name)
        node_id = model_id if model_id in context.nodes else NodeId(NodeKind.SEED, name)
        return lookup(f"ref({name!r})", node_id)

    def source(source_name: str, table: str) -> InputName:
        return lookup(f"source({source_name!r}, {table!r})",
                      NodeId(NodeKind.SOURCE, f"{source_name}.{table}"))

    this = InputName(given["this"].cte) if "this" in given else RelationView(model.relation)
    state = RenderState(model.path, resolve_ref=ref, resolve_source=source, this=this,
                        incremental=incremental,
                        vars={**context.vars, **(test.overrides.get("vars") or {})},
                        env_overrides={str(k): v if v is None else str(v) for k, v in
                                       (test.overrides.get("env_vars") or {}).items()})
    _check_macro_names(macros, renderer, entry, where, what)
    try:
        with _macros_overridden(renderer, macros):
            sql = renderer.render(model.path, state)
    except ProjectError as exc:
        raise ProjectError(exc.message, path=exc.path, line=exc.line, column=exc.column,
                           snippet=exc.snippet, hint=(exc.hint + "; " if exc.hint else "")
                           + f"rendered for {what} ({where.path}:{test.line})") from None
    if missing:
        raise ProjectError(
            f"{what}: model {test.model!r} reads {', '.join(dict.fromkeys(missing))}, which "
            "the test does not give", **where.value(entry, "given" if "given" in entry
                                                    else "name"),
            hint="give each input the model reads: `- input: ref('x')` with its rows "
                 "(rows: [] for an empty one)")
    if isinstance(this, InputName) and this.used:
        asked.append("this")
    unread = [label for label in given if label not in asked]
    for label in unread:
        print(f"warning: {where.path}:{given[label].line}: {what} gives {label}, which "
              f"model {test.model!r} does not read: its rows test nothing", file=sys.stderr)
    return replace(test, sql=sql.strip().rstrip(";"), given=tuple(given.values()))


def _typed(fixture: Fixture, model: ModelNode, context: Context) -> Fixture:
    """The fixture with its CTE's name and what its columns may be typed by when the real
    input is not in the warehouse: the input model's SQL; the columns its YAML documents,
    with their declared types ('' where none is declared: the given values' type, else an
    untyped NULL, so that a column the rows leave out still exists)."""
    if fixture.label == "this":
        node: Any = model
    else:
        node = context.nodes.get(fixture.node) if fixture.node else None
    declared: tuple[tuple[str, str], ...] = ()
    typed_sql = ""
    relation = getattr(node, "relation", None)
    if isinstance(node, ModelNode):
        typed_sql = node.compiled_sql
        declared = tuple((c.name, c.data_type or "") for c in node.columns)
        if node.materialized == "ephemeral":
            relation = None
    elif isinstance(node, SeedNode):
        declared = tuple(node.column_types.items())
    elif isinstance(node, SourceNode):
        declared = tuple((c.name, c.data_type or "") for c in node.columns)
    return replace(fixture, cte=cte_name(fixture.label, fixture.node), relation=relation,
                   typed_sql=typed_sql, declared=declared)


def _incremental(test: UnitTestNode, model: ModelNode, macros: Mapping[str, Any],
                 given: Mapping[str, Fixture], entry: Mapping[str, Any], where: Where,
                 what: str) -> bool:
    """dbt's rules: a test of an incremental model that calls is_incremental() says which
    branch it tests, and the incremental branch needs the `this` input."""
    value = macros.get("is_incremental", False)
    uses = model.materialized == "incremental" and "is_incremental" in model.template
    if uses and not isinstance(macros.get("is_incremental"), bool):
        raise ProjectError(f"{what}: model {test.model!r} is incremental, so the test must "
                           "say which branch it tests", **where.value(entry, "name"),
                           hint="add `overrides: {macros: {is_incremental: true}}` (or "
                                "false, for the first, full build)")
    if value is True and "this" not in given:
        raise ProjectError(f"{what}: with is_incremental true the model reads its own table "
                           "({{ this }}), so the test must give it", **where.value(
                               entry, "overrides"),
                           hint="add `- input: this` under given:, with the rows the table "
                                "already holds")
    return bool(value)


def _check_macro_names(macros: Mapping[str, Any], renderer: Any, entry: Mapping[str, Any],
                       where: Where, what: str) -> None:
    """An override of a macro that does not exist is an error at its key: a misspelt
    override would leave the real macro in place, and the test would test that."""
    known = set(renderer.env.globals) | {"is_incremental"}
    block = (entry.get("overrides") or {}).get("macros") or {}
    for name in macros:
        if str(name).partition(".")[0] not in known:
            close = difflib.get_close_matches(str(name), sorted(n for n in known
                                                                 if not n.startswith("_")), n=1)
            raise ProjectError(f"{what} overrides macro {name!r}, which is not defined",
                               **where.key(block, name),
                               hint=f"did you mean {close[0]!r}?" if close else None)


@contextmanager
def _macros_overridden(renderer: Any, macros: Mapping[str, Any]) -> Iterator[None]:
    """Each overridden macro returns its value while the model renders (a load renders one
    node at a time). A project macro is patched in place, so that a call from another
    macro (which holds the macro itself, not the global) returns the value too; any other
    global (a built-in, or a member of a namespace such as `dbt.`) is replaced for the
    model's own template. dbt's rule kept: an override of `dbt.x` is one of `x` too."""
    env = renderer.env.globals
    saved: dict[str, Any] = {}
    patched: list[Any] = []
    names = dict(macros)
    for name, value in macros.items():
        head, _, tail = str(name).partition(".")
        if head == "dbt" and tail:
            names.setdefault(tail, value)
    for name, value in names.items():
        head, _, tail = str(name).partition(".")
        macro = renderer.macros.get(head, (None, None))[1] if not tail else None
        if head == "is_incremental" or head not in env:
            continue
        if macro is not None and hasattr(macro, "_invoke"):  # a Jinja macro
            macro._invoke = _constant(value)
            patched.append(macro)
        else:
            saved.setdefault(head, env[head])
            env[head] = _Namespace(env[head], tail, value) if tail else _constant(value)
    try:
        yield
    finally:
        env.update(saved)
        for macro in patched:
            del macro._invoke


def _constant(value: Any) -> Any:
    def call(*_args: Any, **_kwargs: Any) -> Any:
        return value

    return call


class _Namespace:
    """A namespace (`dbt`) with one member overridden."""

    def __init__(self, inner: Any, name: str, value: Any) -> None:
        self._inner, self._name, self._value = inner, name, value

    def __getattr__(self, attr: str) -> Any:
        if attr == self._name:
            return _constant(self._value)
        return getattr(self._inner, attr)

    def __getitem__(self, key: str) -> Any:
        return self.__getattr__(key)
