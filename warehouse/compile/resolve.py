"""The second render pass: `ref()`/`source()` resolved to relations, SQL parsed and checked.

Ephemeral models are inlined as CTEs here, the way dbt does, so the SQL a
model runs with is complete on its own.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from warehouse.compile.jinja_relation import RelationMapping, as_mapping
from warehouse.compile.render import Renderer
from warehouse.compile.render_globals import RenderState, template_position
from warehouse.core.errors import ProjectError, Unsupported, caret_snippet
from warehouse.core.identity import NodeId, NodeKind, Relation, checksum
from warehouse.core.nodes import ModelNode, Node

if TYPE_CHECKING:
    from warehouse.adapters.base import ParsedModel

EPHEMERAL_PREFIX = "__dbt__cte__"
_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "system", "temp"})


def ref_id(nodes: Mapping[NodeId, Node], name: str) -> NodeId:
    """The node `ref(name)` reads: a model, else a snapshot, else a seed."""
    model = NodeId(NodeKind.MODEL, name)
    if model in nodes:
        return model
    snapshot = NodeId(NodeKind.SNAPSHOT, name)
    return snapshot if snapshot in nodes else NodeId(NodeKind.SEED, name)


def unknown_ref(name: str, known: set[str], *, path: str | None, line: int | None,
                template: str | None = None) -> ProjectError:
    """The error for a `ref()` to a name that is no model or seed, with close names."""
    close = difflib.get_close_matches(name, sorted(known), n=3)
    return ProjectError(
        f"ref({name!r}): no model or seed named {name!r}", path=path, line=line,
        snippet=caret_snippet(template, line, None) if template and line else None,
        hint=f"did you mean {', '.join(close)}?" if close else None)


class Resolver:
    """Resolves `ref()`/`source()` to relations once every node's relation is known.

    It also keeps each ephemeral model's rendered SQL, so a model inlined into
    several others is rendered once per load."""

    def __init__(self, nodes: Mapping[NodeId, Node], disabled: frozenset[str] = frozenset(),
                 runtime: Any = None) -> None:
        self.nodes = nodes
        self.disabled = disabled  # models configured enabled=false: not built, not refable
        self.ephemeral_sql: dict[str, str] = {}
        # At run time, the jinja_context.RunContext renders see (None at load); what each
        # inlined ephemeral model's render read that differs at run time.
        self.runtime = runtime
        self.ephemeral_touched: dict[str, set[str]] = {}

    def ref(self, name: str) -> Any:
        node = self.nodes.get(ref_id(self.nodes, name))
        if node is None and name in self.disabled:
            path, line = template_position()
            raise ProjectError(f"ref({name!r}): model {name!r} is disabled (enabled=false), "
                               "so it is not built and cannot be read", path=path, line=line,
                               hint=f"enable {name!r}, or stop reading it here")
        if node is None:
            path, line = template_position()
            known = {i.name for i in self.nodes
                     if i.kind in (NodeKind.MODEL, NodeKind.SEED, NodeKind.SNAPSHOT)}
            raise unknown_ref(name, known, path=path, line=line)
        if isinstance(node, ModelNode) and node.materialized == "ephemeral":
            return _EphemeralName(EPHEMERAL_PREFIX + name)
        return RelationView(node.relation)

    def source(self, src: str, tbl: str) -> Any:
        node = self.nodes.get(NodeId(NodeKind.SOURCE, f"{src}.{tbl}"))
        if node is None:
            path, line = template_position()
            raise ProjectError(f"source({src!r}, {tbl!r}) is not declared in any property file",
                               path=path, line=line)
        return RelationView(node.relation, external=node.external)


@as_mapping
class RelationView(RelationMapping):
    """What templates see for a relation: `.schema`, `.identifier`, and its quoted SQL (for
    a source read from files, the SQL that reads them: compile/external_sources.py)."""

    def __init__(self, relation: Relation, *, external: str | None = None) -> None:
        self.schema = relation.schema
        self.name = self.identifier = self.table = relation.name
        self.database = None
        self.external = external

    def __str__(self) -> str:
        return self.external or Relation(self.schema, self.name).sql


class _EphemeralName(str):
    pass


def compile_model(renderer: Renderer, model: ModelNode, resolver: Resolver,
                  vars: Mapping[str, Any], nodes: Mapping[NodeId, Node], *,
                  analyze: Callable[..., ParsedModel] | None = None) -> ModelNode:
    """The model with its SQL resolved, checked and analysed. `analyze` stands in for
    `warehouse.compile.parse.analyze_model_sql` (the parse cache passes a memoized one)."""
    if analyze is None:
        from warehouse.compile.parse import analyze_model_sql as analyze

    touched: set[str] = set()
    sql = _render_final(renderer, model, resolver, vars, incremental=False, touched=touched)
    full_sql, spans = _inject_ephemerals(renderer, model, resolver, vars, nodes, sql)
    branch = None
    if model.materialized == "incremental":
        branch = _render_final(renderer, model, resolver, vars, incremental=True,
                               touched=touched)
    if resolver.runtime is None:
        for name, *_lines in spans:
            touched |= resolver.ephemeral_touched.get(name, set())
        if touched:  # its SQL is known at run time only (compile/introspect.py)
            from warehouse.compile.introspect import defer_model

            return defer_model(renderer, model, sql, touched, vars)
    if branch is not None:
        incremental_sql, incremental_spans = _inject_ephemerals(renderer, model, resolver, vars,
                                                                nodes, branch)
    else:
        incremental_sql, incremental_spans = "", ()
    config_text = json.dumps(model.config, sort_keys=True, default=str)
    compiled = replace(model, compiled_sql=full_sql,
                       checksum=checksum(full_sql, incremental_sql, config_text),
                       incremental_sql=incremental_sql, ephemeral_spans=spans,
                       incremental_spans=incremental_spans)

    def check(analyze: Callable[..., ParsedModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return check_model_sql(model, sql, branch, nodes, analyze)

    defer = getattr(analyze, "defer", None)  # (compile/late_checks.py: beside the build)
    if defer is not None:
        return defer(compiled, check)
    columns, volatile = checked_by(analyze, check)
    return replace(compiled, sql_columns=columns, volatile=volatile)


def checked_by(analyze: Callable[..., ParsedModel], check: Callable[..., Any]
               ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`check` by `analyze`; an error found on a quick analysis (DuckDB's tree:
    parse.NativeFirst, or an analysis remembered from it) is found again by the analyser's
    `thorough` one, so that it reads as a whole load's, with sqlglot's line and column."""
    try:
        return check(analyze)
    except Unsupported:  # (refused, not wrong: the same whoever reads it)
        raise
    except ProjectError:
        thorough = getattr(analyze, "thorough", None)
        if thorough is None:
            raise
        return check(thorough)


def check_model_sql(model: ModelNode, sql: str, branch: str | None,
                    nodes: Mapping[NodeId, Node], analyze: Callable[..., ParsedModel]
                    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A model's SQL checked (one statement DuckDB accepts, reading tables only through
    ref()/source()/CTEs, errors placed in its template), with the incremental branch an
    incremental run takes: the columns it outputs and the volatile functions it calls."""
    parsed = analyze(sql, path=model.path, template=model.template)
    _cross_check(parsed.tables, model, sql, nodes)
    volatile = set(parsed.volatile)
    if branch is not None:
        checked = analyze(branch, path=model.path, template=model.template)
        _cross_check(checked.tables, model, branch, nodes)
        volatile.update(checked.volatile)
    return parsed.columns, tuple(sorted(volatile))


def _render_final(renderer: Renderer, model: ModelNode, resolver: Resolver,
                  vars: Mapping[str, Any], *, incremental: bool,
                  touched: set[str] | None = None) -> str:
    """The model's SQL; what the render read that differs at run time goes in `touched`."""
    state = RenderState(model.path, resolve_ref=resolver.ref, resolve_source=resolver.source,
                        this=RelationView(model.relation), incremental=incremental, vars=vars,
                        runtime=resolver.runtime)
    sql = renderer.render(model.path, state)
    if touched is not None:
        touched |= state.touched
    return sql


def _cross_check(tables: Any, model: ModelNode, sql: str, nodes: Mapping[NodeId, Node]) -> None:
    from warehouse.compile.parse import unknown_table_error

    allowed = {(model.relation.schema.lower(), model.relation.name.lower())}
    ephemeral = set()
    for name in model.refs:
        node = nodes[ref_id(nodes, name)]
        if isinstance(node, ModelNode) and node.materialized == "ephemeral":
            ephemeral.add((EPHEMERAL_PREFIX + name).lower())
        else:
            allowed.add((node.relation.schema.lower(), node.relation.name.lower()))
    for src, tbl in model.sources:
        source = nodes[NodeId(NodeKind.SOURCE, f"{src}.{tbl}")]
        rel = source.relation
        allowed.add((rel.schema.lower(), rel.name.lower()))
        if getattr(source, "external", None):  # a quoted path reads as a table named so
            from warehouse.compile.external_sources import external_reads

            allowed |= external_reads(source.external)
    for read in tables:
        schema = (read.schema or "").lower()
        if schema in _SYSTEM_SCHEMAS or (not schema and read.name.lower() in ephemeral):
            continue
        if (schema, read.name.lower()) not in allowed:
            raise unknown_table_error(read, path=model.path, template=model.template, sql=sql)


def _inject_ephemerals(renderer: Renderer, model: ModelNode, resolver: Resolver,
                       vars: Mapping[str, Any], nodes: Mapping[NodeId, Node], sql: str
                       ) -> tuple[str, tuple[tuple[str, int, int, int], ...]]:
    """Prepend ephemeral models this one refers to (transitively) as CTEs, dbt-style; with
    where each one's SQL lies in the result (name, first and last line, lines stripped
    above it), so that an
    error there is reported in the ephemeral model's own file."""
    order: list[ModelNode] = []

    def visit(m: ModelNode, trail: tuple[str, ...]) -> None:
        for name in m.refs:
            dep = nodes.get(NodeId(NodeKind.MODEL, name))
            if isinstance(dep, ModelNode) and dep.materialized == "ephemeral":
                if name in trail:
                    return  # the DAG reports the cycle with its path
                if dep not in order:
                    visit(dep, (*trail, name))
                    if dep not in order:
                        order.append(dep)

    visit(model, (model.name,))
    if not order:
        return sql, ()
    ctes, bodies = [], []
    for dep in order:
        dep_sql = resolver.ephemeral_sql.get(dep.name)
        if dep_sql is None:
            touched = resolver.ephemeral_touched.setdefault(dep.name, set())
            dep_sql = _render_final(renderer, dep, resolver, vars, incremental=False,
                                    touched=touched)
            resolver.ephemeral_sql[dep.name] = dep_sql
        body = dep_sql.strip().rstrip(";")
        bodies.append((dep.name, body, dep_sql[:len(dep_sql) - len(dep_sql.lstrip())]))
        ctes.append(f"{EPHEMERAL_PREFIX}{dep.name} as (\n{body}\n)")
    full = prepend_ctes(sql, ctes)
    spans = []
    for name, body, stripped in bodies:
        at = full.find(f"{EPHEMERAL_PREFIX}{name} as (\n")
        first = full.count("\n", 0, at) + 2
        # (name, first line, last line, lines of the ephemeral's SQL stripped above the body)
        spans.append((name, first, first + body.count("\n"), stripped.count("\n")))
    return full, tuple(spans)


def prepend_ctes(sql: str, ctes: list[str]) -> str:
    from sqlglot.tokens import Tokenizer, TokenType

    tokens = Tokenizer(dialect="duckdb").tokenize(sql)
    if tokens and tokens[0].token_type == TokenType.WITH:
        cut = tokens[0].end + 1
        if len(tokens) > 1 and tokens[1].text.lower() == "recursive":
            cut = tokens[1].end + 1
        return sql[:cut] + " " + ",\n".join(ctes) + ",\n" + sql[cut:]
    return "with " + ",\n".join(ctes) + "\n" + sql
