"""Run a command over the selected nodes: seeds, models and tests, in DAG order.

The runner is the one place that joins the loaded project, the scheduler, the
DuckDB connection and the write-audit-publish working copy. Every command
that writes (seed, run, build, test) works in a copy of the published file
and swaps it in only when nothing failed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from warehouse.core.console import Console
from warehouse.core.errors import ProjectError, WarehouseError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node, SeedNode, TestNode
from warehouse.run.results import KINDS_BY_COMMAND, NodeResult, RunOptions, RunResult


def selected_nodes(project: Any, options: RunOptions, state: Any = None,
                   console: Console | None = None) -> list[NodeId]:
    """The selected nodes the command runs, in DAG order. `state` is what `state:` and
    `result:` compare with; read from the published warehouse when not given."""
    from warehouse.run.selection import NodeInfo, resolve_selection

    if state is None and any(m in t for t in (*options.select, *options.exclude)
                             for m in ("state:", "result:")):
        from warehouse.run.runstate import published_state, selection_state

        state = selection_state(project, options, *published_state(project, options))

    infos = {
        node_id: NodeInfo(
            id=node_id, name=node.name, kind=node_id.kind, path=node.path, tags=node.tags,
            materialized=node.materialized,
            source_name=getattr(node, "source_name", None),
            attached_to=tuple(node.depends_on) if isinstance(node, TestNode) else (),
            test_name=node.test_name if isinstance(node, TestNode) else None,
        )
        for node_id, node in project.nodes.items()
    }
    selection = resolve_selection(project.dag, infos, list(options.select) or None,
                                  list(options.exclude) or None, state)
    if console is not None:
        for term in selection.unmatched:
            console.line(f"warning: the selector {term!r} matches no node")
    chosen = selection.nodes
    kinds = KINDS_BY_COMMAND[options.command]
    return [n for n in project.dag.topological_order() if n in chosen and n.kind in kinds]


def run_graph(project: Any, command: str) -> dict[NodeId, tuple[NodeId, ...]]:
    """The project's DAG, plus in `build` an edge from each single-parent test to its
    parent's children, so a failing test stops what is built on the data it tested."""
    parents = {n: list(p) for n, p in project.parents.items()}
    if command == "build":
        tests_of: dict[NodeId, list[NodeId]] = {}
        for node_id, node in project.nodes.items():
            if isinstance(node, TestNode) and len(node.depends_on) == 1:
                tests_of.setdefault(node.depends_on[0], []).append(node_id)
        for node_id, node_parents in parents.items():
            if node_id.kind is NodeKind.MODEL:
                for parent in list(node_parents):
                    node_parents.extend(tests_of.get(parent, ()))
    return {n: tuple(p) for n, p in parents.items()}


def execute(project: Any, options: RunOptions, console: Console | None = None) -> RunResult:
    """Run the selected nodes that changed; report the others from the stored state.

    The stored state is read from the published file, opened read-only. When
    nothing selected has changed the run ends there: no lock, no work copy,
    nothing published. Otherwise the build works in a copy of the published
    file, re-plans from the copy's state (another build may have published
    since), writes the new fingerprints into the copy beside the relations it
    built, and swaps the copy in when nothing failed."""
    from warehouse.run.runstate import plan_for, published_state, selection_state

    console = console or Console()
    started = time.perf_counter()
    published = options.database or project.database_path
    if options.command == "test" and not published.exists():
        raise ProjectError(f"no warehouse at {published}: run `warehouse build` first")
    stored, unreadable = published_state(project, options)
    state = selection_state(project, options, stored, unreadable)
    order = selected_nodes(project, options, state=state, console=console)
    if stored is not None:
        plan = plan_for(project, options, order, stored)
        if plan.nothing_to_do:
            results = _report_not_run(project, order, plan, console)
            return _finish(project, options, results, started, published, console,
                           did_publish=False, ok=True, kept=None)
    return _build(project, options, order, published, started, console)


def _build(project: Any, options: RunOptions, order: list[NodeId], published: Path,
           started: float, console: Console) -> RunResult:
    import duckdb

    from warehouse.adapters.duckdb.state import file_identity, read_state, write_stamp
    from warehouse.adapters.duckdb.workcopy import WorkingCopy
    from warehouse.run.runstate import plan_for, stamp_path, store_state

    keep_failed = project.target_path / "failed_build.duckdb"
    with WorkingCopy(published, keep_failed_as=keep_failed) as work:
        con = duckdb.connect(str(work.path))
        try:
            plan = plan_for(project, options, order, read_state(con))
            _create_schemas(con, project, [n for n in order if n in plan.run])
            results = _run_nodes(project, options, order, con, console, plan)
            ok = not any(r.blocking for r in results)
            final = None
            if ok:
                store_state(con, project, results)
                final = read_state(con)
            con.execute("checkpoint")
        finally:
            con.close()
        did_publish = False
        if ok and options.publish:
            work.publish()
            did_publish = True
            stamp = stamp_path(project, published)
            if stamp is not None and final is not None:
                write_stamp(stamp, file_identity(published), final)
        elif ok:
            work.discard(keep=False)
    kept = None if ok or not keep_failed.exists() else keep_failed
    return _finish(project, options, results, started, published, console,
                   did_publish=did_publish, ok=ok, kept=kept)


def _finish(project: Any, options: RunOptions, results: list[NodeResult], started: float,
            published: Path, console: Console, *, did_publish: bool, ok: bool,
            kept: Path | None) -> RunResult:
    elapsed = time.perf_counter() - started
    console.summary([_summary_label(r) for r in results], elapsed,
                    reused=sum(1 for r in results if r.detail.get("reused")))
    if not ok:
        where = f"; the failed build is kept in {kept} for inspection" if kept else ""
        state = "is unchanged" if published.exists() else "was not created"
        console.line(f"Nothing published: {published.name} {state}{where}.")
    return RunResult(options.command, tuple(results), elapsed, did_publish, published, kept)


def _report_not_run(project: Any, order: list[NodeId], plan: Any,
                    console: Console) -> list[NodeResult]:
    from warehouse.run.runstate import not_run

    results = [not_run(project, n, plan) for n in order]
    for index, result in enumerate(results, start=1):
        _print_result(console, project, index, len(order), result)
    return results


def _print_result(console: Console, project: Any, index: int, total: int,
                  result: NodeResult) -> None:
    console.node(index, total, _label(result), _what(project.nodes[result.node_id]),
                 _detail(result), result.elapsed)
    if result.message and result.status != "success":
        console.block(result.message)


def _create_schemas(con: Any, project: Any, order: list[NodeId]) -> None:
    """Every schema the run writes to, created up front: concurrent CREATE SCHEMA
    statements in parallel transactions conflict in DuckDB."""
    from warehouse.core.identity import quote_ident
    from warehouse.run.testrun import FAILURES_SCHEMA

    stores = any(getattr(getattr(project.nodes[n], "config", None), "store_failures", False)
                 for n in order if n.kind is NodeKind.TEST)
    schemas = {FAILURES_SCHEMA} if stores else set()
    for node_id in order:
        relation = getattr(project.nodes[node_id], "relation", None)
        if relation is not None:
            schemas.add(relation.schema)
    for schema in sorted(schemas):
        con.execute(f"create schema if not exists {quote_ident(schema)}")


def _label(result: NodeResult) -> str:
    return {"success": "OK", "error": "ERROR", "skipped": "SKIP", "pass": "PASS",
            "warn": "WARN", "fail": "FAIL", "unchanged": "SKIP"}[result.status]


def _summary_label(result: NodeResult) -> str:
    """Skipped because unchanged is counted apart from skipped because upstream failed."""
    return "UNCHANGED" if result.status == "unchanged" else _label(result)


def _run_nodes(project: Any, options: RunOptions, order: list[NodeId], con: Any,
               console: Console, plan: Any) -> list[NodeResult]:
    """Report what the plan leaves alone, then run the rest in parallel, DAG order."""
    from warehouse.adapters.duckdb.materialize import Catalog
    from warehouse.core.dag import Dag
    from warehouse.run.runstate import not_run
    from warehouse.run.scheduler import run_dag

    catalog = Catalog(con)
    graph = Dag(run_graph(project, options.command))
    total = len(order)
    counter = iter(range(1, total + 1))
    lock = threading.Lock()
    results: dict[NodeId, NodeResult] = {}

    def report(result: NodeResult) -> None:
        with lock:
            index = next(counter)
            results[result.node_id] = result
        _print_result(console, project, index, total, result)

    def work(node_id: NodeId) -> NodeResult:
        cur = con.cursor()
        began = time.perf_counter()
        try:
            result = _run_one(project, project.nodes[node_id], cur, options, catalog)
        except WarehouseError as exc:  # a bad seed value: file, line and column already
            result = NodeResult(node_id, "error", message=str(exc))
        except Exception as exc:  # DuckDB errors: the node fails, the build goes on
            result = NodeResult(node_id, "error",
                                message=model_error(project.nodes[node_id], exc))
        finally:
            cur.close()
        result = _with_elapsed(result, time.perf_counter() - began,
                               reason=plan.reasons.get(node_id))
        report(result)
        return result

    def on_skip(node_id: NodeId, reason: str) -> None:
        report(NodeResult(node_id, "skipped", message=reason))

    for node_id in order:
        if node_id not in plan.run:
            report(not_run(project, node_id, plan))
    run_dag(graph, [n for n in order if n in plan.run], work,
            threads=options.threads or project.config.threads,
            on_skip=on_skip, is_failure=lambda r: r.blocking)
    return [results[n] for n in order if n in results]


def _with_elapsed(result: NodeResult, elapsed: float, reason: str | None = None) -> NodeResult:
    """The result with its time, and why it ran (new, changed, upstream runs, ...)."""
    from dataclasses import replace

    detail = {**result.detail, "reason": reason} if reason else result.detail
    return replace(result, elapsed=elapsed, detail=detail)


def model_error(node: Node, exc: BaseException) -> str:
    """DuckDB's error, placed at the line of the file the user wrote where DuckDB says."""
    import re

    from warehouse.compile.parse import map_position
    from warehouse.core.errors import caret_snippet

    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    where = re.search(r"^LINE (\d+):", text, flags=re.M)
    if isinstance(node, ModelNode) and where and int(where.group(1)) > 1:
        line, _ = map_position(node.template, node.compiled_sql, int(where.group(1)) - 1, 1)
        snippet = caret_snippet(node.template, line, None)
        return f"{node.path}:{line}: {first}\n{snippet}"
    return f"{node.path}: {text}"


def _what(node: Node) -> str:
    if isinstance(node, TestNode):
        return f"test {node.name}"
    if isinstance(node, SeedNode):
        return f"seed {node.relation}"
    assert isinstance(node, ModelNode)
    return f"{node.materialized} {node.relation}" if node.materialized != "ephemeral" else (
        f"ephemeral {node.name}")


def _detail(result: NodeResult) -> str:
    if result.status in ("skipped", "unchanged"):
        return result.status
    if result.detail.get("reused"):
        failures = result.failures or 0
        return (f"{failures} failing rows" if failures else "0 failures") + ", stored result"
    if result.status == "error":
        return "error"
    if result.failures is not None:
        return f"{result.failures} failing rows" if result.failures else "0 failures"
    if result.rows is None:
        return result.detail.get("kind", "done")
    extra = result.detail.get("note")
    return f"{result.rows} rows" + (f", {extra}" if extra else "")


def _run_one(project: Any, node: Node, cur: Any, options: RunOptions,
             catalog: Any) -> NodeResult:
    if isinstance(node, SeedNode):
        from warehouse.adapters.duckdb.seeds import load_seed

        rows = load_seed(cur, project.config.root / node.path, node.relation, node.column_types,
                         display_path=node.path)
        return NodeResult(node.id, "success", rows=rows, relation=str(node.relation))
    if isinstance(node, ModelNode):
        return _run_model(project, node, cur, options, catalog)
    if isinstance(node, TestNode):
        from warehouse.run.testrun import run_test_node

        return run_test_node(cur, node)
    raise ProjectError(f"cannot run {node.id}")


def _run_model(project: Any, node: ModelNode, cur: Any, options: RunOptions,
               catalog: Any) -> NodeResult:
    from warehouse.adapters.duckdb.materialize import materialize, unique_key_columns

    if node.materialized == "ephemeral":
        return NodeResult(node.id, "success", detail={"kind": "inlined as CTE"})
    incremental_sql = None
    if node.materialized == "incremental" and not (options.full_refresh or
                                                   node.config.get("full_refresh") is True):
        if catalog.kind(node.relation) == "table":
            incremental_sql = project.render_incremental(node)
    unique_key = unique_key_columns(node.config.get("unique_key"))
    strategy = node.config.get("incremental_strategy") or ("merge" if unique_key else "append")
    outcome = materialize(cur, node.relation, node.materialized, node.compiled_sql,
                          catalog=catalog, incremental_sql=incremental_sql, strategy=strategy,
                          unique_key=unique_key, full_refresh=options.full_refresh)
    return NodeResult(node.id, "success", rows=outcome.rows, relation=str(node.relation),
                      detail={"kind": node.materialized, "note": outcome.detail})
