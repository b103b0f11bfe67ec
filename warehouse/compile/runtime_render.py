"""A model rendered again at run time: `execute` true, the build's database at hand.

A model whose load-time render read anything that differs at run time
(compile/introspect.py) is rendered here just before it runs, in the thread
that builds it, against the build's session: its parents exist by then, so
`run_query`, `adapter.get_columns_in_relation` and `load_result` answer as
they do in dbt at execution. The SQL so produced is checked as a load checks
any model (DuckDB's parser, tables read only through `ref()`/`source()`),
with errors at the template's line, before anything of it runs. A singular
test whose load render read the database is rendered again the same way.

A ref() or source() the run-time render calls that the load did not see (it
sits inside `{% if execute %}` or a statement block) names a node this one was
not ordered after: it is refused at its line with dbt's fix (`-- depends_on:`),
rather than read before it is built, or read as the last build left it.

`RunContext` (jinja_context) carries what the render reads besides the
project: the session, the command's flags, the project's graph and the run's
id. The graph is dbt's flat graph as far as templates commonly read it:
`graph.nodes` and `graph.sources` by unique id, with name, resource_type,
config, depends_on, relation parts and columns.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from warehouse.compile.jinja_context import RunContext
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode


def run_context(project: Any, *, command: str, full_refresh: bool = False,
                select: Sequence[str] = (), exclude: Sequence[str] = (),
                threads: int | None = None) -> RunContext:
    """What every run-time render of one run shares (the session is set per node)."""
    flags = {"FULL_REFRESH": full_refresh, "WHICH": command,
             "SELECT": tuple(select) or None, "EXCLUDE": tuple(exclude) or None,
             "THREADS": threads or project.config.threads,
             "INVOCATION_COMMAND": f"dbt {command}",
             "PROJECT_DIR": str(project.config.root),
             "TARGET_PATH": str(project.config.target_dir)}
    return RunContext(session=None, flags=flags, graph=project_graph(project),
                      invocation_id=str(uuid.uuid4()),
                      run_started_at=datetime.datetime.now(datetime.UTC))


def render_at_run(project: Any, node: ModelNode, session: Any, base: RunContext
                  ) -> tuple[ModelNode, tuple[tuple[str, str], ...]]:
    """The model with its SQL rendered now, checked; and the relations (schema, name) whose
    catalog entry the render read that are none of its parents': with those, the model's
    SQL is not a function of its parents alone (the planner is told: see run/state.py)."""
    from warehouse.compile.resolve import compile_model

    run = replace(base, session=session, seen=[])
    resolver = _run_resolver()(project.nodes, runtime=run)
    resolver.allowed = _ancestors(project, node.id)
    compiled = compile_model(project.renderer, node, resolver, project.vars, project.nodes)
    compiled = replace(compiled, runtime_kinds=node.runtime_kinds,
                       render_inputs=node.render_inputs)
    parents = {(r.schema.lower(), r.name.lower())
               for r in (getattr(project.nodes.get(p), "relation", None)
                         for p in project.parents.get(node.id, ())) if r is not None}
    outside = tuple(dict.fromkeys(rel for rel in run.seen if rel not in parents))
    return compiled, outside


def render_test_at_run(project: Any, node: Any, session: Any, base: RunContext) -> Any:
    """A singular test with its SQL rendered now (`execute` true, its parents built) and
    checked as the load checks a test's SQL."""
    from warehouse.compile.parse import analyze_model_sql
    from warehouse.compile.render_globals import RenderState

    run = replace(base, session=session, seen=[])
    resolver = _run_resolver()(project.nodes, runtime=run)
    resolver.allowed = _ancestors(project, node.id)
    state = RenderState(node.path, resolve_ref=resolver.ref, resolve_source=resolver.source,
                        vars=project.vars, runtime=run)
    if getattr(node, "macro_call", ""):  # a generic test (compile/testbuild.py)
        from warehouse.compile.testbuild import render_generic_at_run

        state.line = node.line
        return replace(node, sql=render_generic_at_run(project.renderer, node, state).strip())
    sql = project.renderer.render(node.path, state)
    analyze_model_sql(sql, path=node.path, template=project.renderer.source_text(node.path))
    return replace(node, sql=sql.rstrip())


def _ancestors(project: Any, node_id: NodeId) -> frozenset[NodeId]:
    """Every node built before `node_id`: what its run-time render may read."""
    found: set[NodeId] = set()
    todo = list(project.parents.get(node_id, ()))
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(project.parents.get(current, ()))
    return frozenset(found)


def _run_resolver() -> type:
    """A Resolver that refuses, at the template's line, a ref() or source() the load did not
    see (one inside `{% if execute %}` or a statement block): the node was not ordered after
    it, so it may read it before it is built, or read last build's. dbt refuses it too."""
    from warehouse.compile.render_globals import template_position
    from warehouse.compile.resolve import Resolver
    from warehouse.core.errors import ProjectError

    class RunResolver(Resolver):
        allowed: frozenset[NodeId] = frozenset()

        def _check(self, node_id: NodeId, call: str) -> None:
            if node_id in self.allowed or node_id not in self.nodes:
                return
            path, line = template_position()
            raise ProjectError(
                f"{call} is called only at run time: the load did not see it, so this model "
                "is not built after it", path=path, line=line,
                hint=f"declare it where the load sees it: a line `-- depends_on: {{{{ {call} "
                "}}` at the top of the model (as dbt asks)")

        def ref(self, name: str) -> Any:
            from warehouse.compile.resolve import ref_id

            self._check(ref_id(self.nodes, name), f"ref({name!r})")
            return super().ref(name)

        def source(self, src: str, tbl: str) -> Any:
            self._check(NodeId(NodeKind.SOURCE, f"{src}.{tbl}"), f"source({src!r}, {tbl!r})")
            return super().source(src, tbl)

    return RunResolver


def project_graph(project: Any) -> dict[str, Any]:
    """dbt's flat graph of the project: `nodes` (models, seeds, snapshots, tests) and
    `sources`, each by its unique id (`model.<project>.<name>`)."""
    name = project.config.name
    ids = {node_id: _unique_id(name, node_id) for node_id in project.nodes}
    nodes: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    for node_id, node in project.nodes.items():
        entry = _entry(name, node_id, node, [ids[p] for p in project.parents.get(node_id, ())
                                             if p in ids])
        (sources if node_id.kind is NodeKind.SOURCE else nodes)[ids[node_id]] = entry
    return {"nodes": nodes, "sources": sources, "exposures": {}, "metrics": {},
            "groups": {}, "semantic_models": {}, "saved_queries": {}}


def _unique_id(project_name: str, node_id: NodeId) -> str:
    return f"{node_id.kind.value}.{project_name}.{node_id.name}"


def _entry(project_name: str, node_id: NodeId, node: Any, depends_on: list[str]
           ) -> dict[str, Any]:
    relation = getattr(node, "relation", None)
    config = getattr(node, "config", None)
    config = dict(config) if isinstance(config, Mapping) else {}
    entry: dict[str, Any] = {
        "unique_id": _unique_id(project_name, node_id), "name": node.name,
        "resource_type": node_id.kind.value, "package_name": project_name,
        "path": node.path, "original_file_path": node.path,
        "database": None, "schema": relation.schema if relation else None,
        "alias": relation.name if relation else None,
        "identifier": relation.name if relation else None,
        "relation_name": relation.sql if relation else None,
        "config": config, "tags": sorted(node.tags),
        "depends_on": {"nodes": depends_on, "macros": []},
        "description": getattr(node, "description", ""),
        "columns": {c.name: {"name": c.name, "description": c.description}
                    for c in getattr(node, "columns", ())},
        "fqn": [project_name, *node.path.rsplit(".", 1)[0].split("/")[1:]],
    }
    if node_id.kind is NodeKind.SOURCE:
        entry.update(source_name=node.source_name, name=node.table_name)
    if isinstance(node, ModelNode):
        entry.update(raw_code=node.template, compiled_code=node.compiled_sql,
                     refs=[{"name": r} for r in node.refs],
                     sources=[list(s) for s in node.sources])
        entry["config"].setdefault("materialized", node.materialized)
    if node_id.kind is NodeKind.TEST:
        entry.update(column_name=getattr(node, "column_name", None),
                     attached_node=None, test_metadata=(
                         {"name": node.test_name, "kwargs": {}} if node.test_name else None))
    return entry
