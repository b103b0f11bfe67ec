"""Hooks and run-time renders: SQL a build renders and runs around its models.

A model's `pre-hook`s run just before it is built and its `post-hook`s just
after, on the same session, with `this` its relation (dbt's order: the
folder's hooks, then the property file's, then the model's own `config()`).
The project's `on-run-start` hooks run once the build's working copy is open
and before any node, its `on-run-end` hooks after the last node (with dbt's
`results`, `schemas` and `database_schemas`). All of them run in the working
copy, so a build that fails publishes nothing, hooks' effects included.

A hook that fails fails its model (pre/post) or the run (on-run-*), with the
database's message and the place the hook was written: the line of the
model's file, or of dbt_project.yml, that holds its text.

Hooks, like every run-time render, see `execute` true and the build's
session (compile/jinja_context.RunContext). A run with nothing to do opens
no working copy and runs no hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from warehouse.core.errors import NodeFailure, caret_snippet
from warehouse.core.nodes import ModelNode

PRE, POST = "pre-hook", "post-hook"
ON_RUN_START, ON_RUN_END = "on-run-start", "on-run-end"
PROJECT_FILE = "dbt_project.yml"


class HookFailed(NodeFailure):
    """A hook's SQL failed: its model fails, or (on-run-*) the whole run."""


def hooks_of(node: Any, which: str) -> list[str]:
    """The SQL templates of a model's `pre-hook`s or `post-hook`s, in the order they run
    (a hook may be written as text or as {sql: ..., transaction: ...})."""
    config = getattr(node, "config", None)
    items = config.get(which) if isinstance(config, Mapping) else None
    if not items:
        return []
    items = [items] if isinstance(items, (str, Mapping)) else list(items)
    return [str(i.get("sql", "")) if isinstance(i, Mapping) else str(i) for i in items]


def needs_run_context(project: Any, running: Sequence[Any]) -> bool:
    """Whether a run must prepare what run-time renders read (flags, graph ...)."""
    config = project.config
    return bool(config.on_run_start or config.on_run_end or any(
        getattr(n, "renders_at_run", False) or hooks_of(n, PRE) or hooks_of(n, POST)
        for n in running))


def run_context_for(project: Any, options: Any, running: Sequence[Any]) -> Any:
    """The run's RunContext, or None when nothing in it renders at run time."""
    if not needs_run_context(project, running):
        return None
    from warehouse.compile.runtime_render import run_context

    return run_context(project, command=options.command, full_refresh=options.full_refresh,
                       select=options.select, exclude=options.exclude, threads=options.threads)


def render_for_run(project: Any, node: ModelNode, session: Any, run: Any
                   ) -> tuple[ModelNode, dict[str, Any]]:
    """The model with its SQL rendered now if it renders at run time (see
    compile/runtime_render.py), and what the result should record about it."""
    if not node.renders_at_run:
        return node, {}
    from warehouse.compile.runtime_render import render_at_run

    rendered, outside = render_at_run(project, node, session, _need(project, run))
    return rendered, ({"reads_outside": [f"{s}.{n}" for s, n in outside]} if outside else {})


def render_test_for_run(project: Any, node: Any, session: Any, run: Any) -> Any:
    """A singular test rendered now if its SQL is known at run time only (as a model's)."""
    if not getattr(node, "renders_at_run", False):
        return node
    from warehouse.compile.runtime_render import render_test_at_run

    return render_test_at_run(project, node, session, _need(project, run))


def run_model_hooks(project: Any, node: ModelNode, session: Any, run: Any, which: str) -> None:
    """Render and run the model's hooks of kind `which`, in order."""
    from warehouse.compile.resolve import RelationView

    for text in hooks_of(node, which):
        _run_hook(project, session, _need(project, run), text, which, path=node.path,
                  this=RelationView(node.relation), others=(node.template,))


def run_project_hooks(project: Any, session: Any, which: str, run: Any,
                      results: Sequence[Any] = ()) -> None:
    """The project's on-run-start or on-run-end hooks, in order; HookFailed if one fails."""
    hooks = project.config.on_run_start if which == ON_RUN_START else project.config.on_run_end
    if not hooks:
        return
    schemas = sorted({n.relation.schema for n in project.nodes.values()
                      if isinstance(n, ModelNode) and n.materialized != "ephemeral"})
    database = str(project.config.target_context().get("database"))
    context = {"schemas": schemas, "database_schemas": [(database, s) for s in schemas],
               "results": [_result(project, r) for r in results]}
    for text in hooks:
        _run_hook(project, session, _need(project, run), text, which,
                  path=project.config.config_file, this=None, context=context)


def _need(project: Any, run: Any) -> Any:
    if run is not None:
        return run
    from warehouse.compile.runtime_render import run_context

    return run_context(project, command="build")


def _run_hook(project: Any, session: Any, run: Any, text: str, which: str, *, path: str,
              this: Any, others: Sequence[str] = (),
              context: Mapping[str, Any] | None = None) -> None:
    from warehouse.compile.render_globals import RenderState
    from warehouse.compile.resolve import Resolver

    resolver = Resolver(project.nodes, runtime=run)
    state = RenderState(path, resolve_ref=resolver.ref, resolve_source=resolver.source,
                        this=this, vars=project.vars, runtime=replace(run, session=session,
                                                                     seen=[]),
                        line=_line_of(project, path, text, others)[1])
    sql = project.renderer.render_string(text, state, dict(context or {}))
    if not sql.strip():
        return
    try:
        session.execute(sql)
    except Exception as exc:  # noqa: BLE001 - the database's refusal, at the hook's line
        where, line = _line_of(project, path, text, others)
        source = _text_of(project, where, others)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise HookFailed(f"{which} failed: {first}", path=where, line=line,
                         snippet=caret_snippet(source, line, None) if line and source else None,
                         hint="the hook ran:\n" + sql.strip()) from None


def _line_of(project: Any, path: str, text: str, others: Sequence[str]
             ) -> tuple[str, int | None]:
    """Where a hook's text was written: its line in the model's file (its config() call),
    else in dbt_project.yml; (path, None) when it is found in neither."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        return path, None
    for where, source in ((path, others[0] if others else None),
                          (PROJECT_FILE, _text_of(project, PROJECT_FILE, ()))):
        if source and first in source:
            return where, source.count("\n", 0, source.index(first)) + 1
    return path, None


def _text_of(project: Any, where: str, others: Sequence[str]) -> str | None:
    if others and where != PROJECT_FILE:
        return others[0]
    try:
        return (project.config.root / where).read_text(encoding="utf-8")
    except OSError:
        return None


def _result(project: Any, result: Any) -> Any:
    """One of dbt's `results` for on-run-end: status, message, timing and the node."""
    node = project.nodes.get(result.node_id)
    unique_id = f"{result.node_id.kind.value}.{project.config.name}.{result.node_id.name}"
    return SimpleNamespace(
        status=result.status, message=result.message, execution_time=result.elapsed,
        failures=result.failures, adapter_response={"rows_affected": result.rows},
        node=SimpleNamespace(unique_id=unique_id, name=getattr(node, "name", ""),
                             resource_type=result.node_id.kind.value,
                             schema=getattr(getattr(node, "relation", None), "schema", None),
                             alias=getattr(getattr(node, "relation", None), "name", None)))
