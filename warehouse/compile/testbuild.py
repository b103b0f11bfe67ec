"""Data test nodes: generic tests from property files and singular tests from .sql files.

A generic test's arguments may name other nodes (`to: ref('dim_x')`); they
are rendered like model Jinja, so the test depends on those nodes too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from warehouse.compile.files import ProjectFiles
from warehouse.compile.parse import volatile_in
from warehouse.compile.render import Renderer
from warehouse.compile.render_globals import RenderState
from warehouse.compile.resolve import RelationView, Resolver, ref_id
from warehouse.core.config import ProjectConfig
from warehouse.core.errors import ProjectError
from warehouse.core.frozen import make
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node, TestNode
from warehouse.core.properties import NodeProps, Properties


def build_tests(config: ProjectConfig, files: ProjectFiles, props: Properties,
                renderer: Renderer, vars: Mapping[str, Any],
                nodes: Mapping[NodeId, Node]) -> list[TestNode]:
    resolver = Resolver(nodes)
    tests: list[TestNode] = []
    targets: list[tuple[NodeId, NodeProps]] = []
    targets += [(NodeId(NodeKind.MODEL, n), p) for n, p in props.models.items()]
    targets += [(NodeId(NodeKind.SEED, n), p) for n, p in props.seeds.items()]
    targets += [(NodeId(NodeKind.SNAPSHOT, n), p) for n, p in props.snapshots.items()]
    targets += [(NodeId(NodeKind.SOURCE, f"{s}.{t}"), sp.props)
                for (s, t), sp in props.sources.items()]
    # Each test depends on the very id objects that key `nodes` (as project.one_of_each
    # would make them: done here, no test is made twice)
    same = {node_id: node_id for node_id in nodes}
    for target_id, p in targets:
        target_id = same.get(target_id)
        if target_id is None:
            continue
        tests += _generic_tests(renderer, resolver, vars, nodes, target_id, p, same)
    for path, _text in sorted(files.tests.items()):
        tests.append(_singular_test(renderer, resolver, vars, nodes, path, _text))
    return [t for t in tests if getattr(t.config, "enabled", True)]


def _generic_tests(renderer, resolver, vars, nodes, target_id: NodeId,
                   p: NodeProps, same: Mapping[NodeId, NodeId]) -> list[TestNode]:
    from warehouse.compile.datatests import parse_test_entries

    out = []
    groups = [(None, p.tests, p.test_positions, p.line)]
    groups += [(c.name, c.tests, c.test_positions, c.line) for c in p.columns]
    for column, entries, positions, line in groups:
        if not entries:
            continue
        specs = parse_test_entries(list(entries), attached_to=p.name, column_name=column,
                                   yaml_path=p.path, yaml_line=line, positions=positions,
                                   yaml_text=p.text or None)
        for spec in specs:
            out.append(_generic_node(renderer, resolver, vars, nodes, target_id, spec, p, line,
                                     same))
    return out


def _generic_node(renderer, resolver, vars, nodes, target_id, spec, p, line,
                  same: Mapping[NodeId, NodeId]) -> TestNode:
    from warehouse.compile.generic_sql import BUILTIN_ARGS

    line = spec.yaml_line or line  # the test's own entry in the YAML
    target = nodes[target_id]
    if isinstance(target, ModelNode) and target.materialized == "ephemeral":
        raise ProjectError(f"test {spec.name}: tests on ephemeral models are not supported",
                           path=p.path, line=line)
    if not spec.kwargs and spec.test_name in BUILTIN_ARGS:  # nothing of it renders
        return _builtin_node(spec, p, line, target, target_id)
    return _rendered_node(renderer, resolver, vars, nodes, target_id, spec, p, line, same)


def _rendered_node(renderer, resolver, vars, nodes, target_id, spec, p, line,
                   same: Mapping[NodeId, NodeId]) -> TestNode:
    """A generic test whose arguments or macro render (refs in them are dependencies)."""
    from warehouse.compile.generic_sql import BUILTIN_ARGS, generic_test_sql

    target = nodes[target_id]
    state = RenderState(p.path, resolve_ref=resolver.ref, resolve_source=resolver.source,
                        vars=vars, line=line)
    kwargs = {}
    for key, value in spec.kwargs.items():
        try:
            kwargs[key] = _render_arg(renderer, state, value)
        except ProjectError as exc:
            raise _in_argument(exc, key, dict(spec.arg_lines).get(key), p.path, p.text) from None
    deps = {same.get(d, d) for d in _dependencies(state, nodes)} | {target_id}
    model_sql = _tested_sql(target, spec)
    macro = None  # (a built-in test's SQL is made here, not by a macro)
    if spec.test_name in BUILTIN_ARGS:
        sql = generic_test_sql(spec.test_name, model=model_sql, column_name=spec.column_name,
                               kwargs=kwargs)
    else:
        macro = renderer.library.test_macro(spec.test_name, p.path)
        if macro is None:
            raise _unknown_test(renderer, spec, p, line)
        args = dict(kwargs, model=_ModelArg(model_sql, target.relation))
        if spec.column_name is not None:
            args["column_name"] = spec.column_name
        sql, spec = _call_test_macro(renderer, macro, state, args, spec, p.path, line)
    sql = str(sql)
    kinds, call = (_runtime_call(renderer, state, macro, spec, model_sql, target)
                   if state.touched else ((), ""))
    return TestNode(name=spec.name, path=p.path, sql=sql, depends_on=tuple(sorted(deps)),
                    config=spec.config, attached_to=p.name, column_name=spec.column_name,
                    test_name=spec.test_name, line=line, volatile=volatile_in(sql),
                    runtime_kinds=kinds, macro_call=call)


def _tested_sql(target: Node, spec: Any) -> str:
    """What a generic test reads of its node: the relation (a source read from files: its
    reader), narrowed by the test's `where`."""
    from warehouse.compile.generic_sql import apply_where

    return apply_where(getattr(target, "external", None) or target.relation.sql,
                       spec.config.where)


def _builtin_node(spec: Any, p: NodeProps, line: int | None, target: Node,
                  target_id: NodeId) -> TestNode:
    """A built-in test without arguments (`- unique`, most tests): `_generic_node` without
    the render state, whose refs, sources and run-time reads stay empty."""
    from warehouse.compile.generic_sql import generic_test_sql

    sql = generic_test_sql(spec.test_name, model=_tested_sql(target, spec),
                           column_name=spec.column_name, kwargs={})
    return make(TestNode, {  # (TestNode(...) sets each field through object.__setattr__)
        "name": spec.name, "path": p.path, "sql": sql, "depends_on": (target_id,),
        "config": spec.config, "attached_to": p.name, "column_name": spec.column_name,
        "test_name": spec.test_name, "line": line, "volatile": volatile_in(sql),
        "runtime_kinds": (), "macro_call": ""})


def _runtime_call(renderer: Renderer, state: RenderState, macro: str | None, spec: Any,
                  model_sql: str, target: Node) -> tuple[tuple[str, ...], str]:
    """A generic test whose macro or arguments read what differs at run time (dbt_utils'
    equality returns '' while `execute` is false; an argument may test `execute`): what it
    may read, and its call kept to be made again when it runs (`render_generic_at_run`).
    `macro` is None for a built-in test, whose SQL the engine writes."""
    import json

    from warehouse.compile.introspect import static_kinds

    kinds = set(state.touched)
    if macro is not None:
        package, _, name = macro.rpartition(".")
        path = (renderer.library.index.get(package, {}).get(name) if package
                else renderer.macros[name][0])
        kinds |= static_kinds(renderer, path) if path else {"unknown"}
    call = {"macro": macro, "test_name": spec.test_name, "kwargs": dict(spec.kwargs),
            "model_sql": model_sql,
            "schema": target.relation.schema, "name": target.relation.name,
            "column_name": spec.column_name, "config": dict(state.config)}
    return tuple(sorted(kinds)), json.dumps(call, default=str)


def render_generic_at_run(renderer: Renderer, node: TestNode, state: RenderState) -> str:
    """The SQL of generic test `node` rendered now, as `state` (the run's resolver)."""
    import json

    from warehouse.core.identity import Relation

    call = json.loads(node.macro_call)
    kwargs = {key: _render_arg(renderer, state, value) for key, value in call["kwargs"].items()}
    if call["macro"] is None:  # a built-in test
        from warehouse.compile.generic_sql import generic_test_sql

        return generic_test_sql(call["test_name"], model=call["model_sql"],
                                column_name=call["column_name"], kwargs=kwargs)
    model = _ModelArg(call["model_sql"], Relation(call["schema"], call["name"]))
    args = dict(kwargs, model=model)
    if call["column_name"] is not None:
        args["column_name"] = call["column_name"]
    state.config.update(call["config"])
    return str(renderer.call_macro(call["macro"], state, **args))


def _call_test_macro(renderer: Renderer, macro: str, state: RenderState,
                     args: Mapping[str, Any], spec: Any, path: str, line: int | None
                     ) -> tuple[str, Any]:
    """The test macro's SQL, rendered with the test's config readable (`config.get`,
    `should_store_failures()`); a `config(...)` the macro calls applies to the test, as
    in dbt (a setting the engine cannot honour, such as another `fail_calc`, is refused
    at the test)."""
    from dataclasses import replace

    from warehouse.compile.testconfig import config_from_mapping

    given = {"store_failures": spec.config.store_failures or None,
             "severity": spec.config.severity, "where": spec.config.where,
             "limit": spec.config.limit, "warn_if": spec.config.warn_if,
             "error_if": spec.config.error_if, "fail_calc": spec.config.fail_calc}
    state.config.update(given)
    sql = renderer.call_macro(macro, state, **args)
    changed = {k: v for k, v in state.config.items() if k not in given or given[k] != v}
    if changed:
        spec = replace(spec, config=config_from_mapping(changed, path=path, line=line,
                                                        defaults=spec.config))
    return sql, spec


def _unknown_test(renderer: Renderer, spec: Any, p: NodeProps, line: int | None
                  ) -> ProjectError:
    """No macro for the test: an unknown name, or a package not installed."""
    from warehouse.compile.generic_sql import BUILTIN_ARGS

    where = p.name + (f".{spec.column_name}" if spec.column_name else "")
    package, _, short = spec.test_name.rpartition(".")
    if package and not renderer.library.installed(package):
        hint = (f"`{short}` is built in: write `{short}`" if short in BUILTIN_ARGS else
                "list the package in packages.yml and run `dbt deps`")
        return ProjectError(f"test {spec.test_name!r} on {where}: package {package!r} is not "
                            "installed", path=p.path, line=line, hint=hint)
    return ProjectError(
        f"unknown generic test {spec.test_name!r} on {where}", path=p.path, line=line,
        hint="built-in tests: " + ", ".join(sorted(BUILTIN_ARGS)) +
        "; define others with {% test name(model, column_name) %} in macros/")


def _in_argument(exc: ProjectError, key: str, line: int | None, path: str,
                 text: str | None = None) -> ProjectError:
    """An error in a test's argument (a ref() to nothing) is placed at the argument's own
    line, where the name to fix is written."""
    if line is None or exc.path != path or exc.line == line:
        return exc
    from warehouse.core.errors import caret_snippet

    return ProjectError(exc.message, path=path, line=line,
                        snippet=caret_snippet(text, line, None) if text else None,
                        hint=exc.hint)


class _ModelArg(RelationView):
    """The `model` argument of a generic test: the relation, or its `where`-filtered subquery."""

    def __init__(self, sql: str, relation) -> None:
        super().__init__(relation)
        self._sql = sql

    def __str__(self) -> str:
        return self._sql


def _render_arg(renderer: Renderer, state: RenderState, value: Any) -> Any:
    if isinstance(value, str) and ("ref(" in value or "source(" in value) and "{{" not in value:
        return str(renderer.render_string("{{ " + value + " }}", state, {}))
    if isinstance(value, str) and "{{" in value:
        return renderer.render_string(value, state, {})
    return value


def _singular_test(renderer, resolver, vars, nodes, path: str, template: str) -> TestNode:
    """A test written as a query: rendered and syntax-checked at load like a model, so a
    typo is an error at its line before anything runs."""
    from warehouse.compile.datatests import config_from_mapping
    from warehouse.compile.parse import analyze_model_sql

    state = RenderState(path, resolve_ref=resolver.ref, resolve_source=resolver.source,
                        vars=vars)
    sql = _with_ephemerals(renderer, resolver, vars, nodes, Path(path).stem, state,
                           renderer.render(path, state))
    kinds = set(state.touched)
    if kinds:  # its SQL is known at run time only: rendered (and checked) again then
        from warehouse.compile.introspect import static_kinds

        kinds |= static_kinds(renderer, path) if "execute" in kinds else set()
    else:
        analyze_model_sql(sql, path=path, template=template)
    config = config_from_mapping(state.config, path=path)
    return TestNode(name=Path(path).stem, path=path, sql=sql.rstrip(),
                    depends_on=tuple(sorted(_dependencies(state, nodes))), config=config,
                    volatile=volatile_in(sql), runtime_kinds=tuple(sorted(kinds)))


def _with_ephemerals(renderer, resolver, vars, nodes, name: str, state: RenderState,
                     sql: str) -> str:
    """The test's SQL with the ephemeral models it ref()s prepended as CTEs, as a model's
    (dbt inlines them into tests too)."""
    from types import SimpleNamespace

    from warehouse.compile.resolve import _inject_ephemerals

    refs = tuple(dict.fromkeys(ref for ref, _ in state.refs))
    full, _ = _inject_ephemerals(renderer, SimpleNamespace(name=name, refs=refs), resolver,
                                 vars, nodes, sql)
    return full


def _dependencies(state: RenderState, nodes: Mapping[NodeId, Node]) -> set[NodeId]:
    """Nodes a rendered test refers to; the resolver has already rejected unknown names."""
    deps = {ref_id(nodes, name) for name, _ in state.refs}
    return deps | {NodeId(NodeKind.SOURCE, f"{s}.{t}") for s, t, _ in state.sources}
