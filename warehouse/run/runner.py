"""Run a command over the selected nodes: seeds, models and tests, in DAG order.

One trip per run: the runner reads the published state through the adapter,
asks the planner once what to do (`plan`), executes that through the
scheduler in the adapter's workspace, and publishes when nothing failed. The
planner is asked again only if the warehouse changed between the read and
the start of the build (another build published in between): a plan is
always made from the state of the warehouse it is applied to.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from warehouse.adapters.base import (
    ContractMismatch,
    ContractTypeError,
    DatabaseError,
    SchemaChanged,
    Unavailable,
)
from warehouse.adapters.target import adapter_for
from warehouse.compile.contracts import build_failure, schema_change_mode
from warehouse.core.config import should_full_refresh, unique_key_columns
from warehouse.core.console import Console
from warehouse.core.errors import ProjectError, WarehouseError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node, SeedNode, SnapshotNode, TestNode
from warehouse.run.commits import CommitGroups, WorkerCursors
from warehouse.run.hooks import (
    ON_RUN_END,
    ON_RUN_START,
    POST,
    PRE,
    needs_run_context,
    render_for_run,
    run_context_for,
    run_model_hooks,
    run_project_hooks,
)
from warehouse.run.node_errors import model_error
from warehouse.run.plan import (
    Plan,
    always_run,
    not_run,
    plan_for,
    select_nodes,
    sources_read,
)
from warehouse.run.progress import hidden_note, print_result, shown, summary_label
from warehouse.run.results import NodeResult, RunOptions, RunResult
from warehouse.run.state import (
    published_state,
    selection_state,
    source_data,
    states_to_store,
    wants_state,
)
from warehouse.run.testbatch import TestBatches


def selected_nodes(project: Any, options: RunOptions,
                   console: Console | None = None) -> list[NodeId]:
    """The nodes a selection picks, for commands that run nothing (compile, ls): the
    published state is read only when a `state:` or `result:` selector needs it."""
    state = None
    if wants_state(options):
        adapter = adapter_for(project.config, options.database)
        state = selection_state(project, options, *published_state(adapter))
    return select_nodes(project, options, state, console)


def execute(project: Any, options: RunOptions, console: Console | None = None, *,
            ahead: Any = None) -> RunResult:
    """Run the selected nodes that changed; report the others from the stored state.

    When nothing selected has changed the run ends after the plan: no lock, no
    workspace, nothing published. Otherwise the build works in the adapter's
    workspace, stores the new fingerprints beside the relations it built, and
    publishes when nothing failed. Late model checks (compile/late_checks.py) begin as
    the build opens its work file, or when something waits for them; at the latest,
    here as the run ends (the manifest waits for them). `ahead`: the workspace opened
    while the project loaded (run/workspace_ahead.py), handed back unless it builds."""
    try:
        return _execute(project, options, console or Console(), ahead)
    finally:
        if ahead is not None:
            ahead.give_back()  # (not taken: nothing to do, or an error)
        if project.late_checks is not None:
            project.late_checks.go()


def _execute(project: Any, options: RunOptions, console: Console, ahead: Any) -> RunResult:
    started = time.perf_counter()
    adapter = ahead.adapter if ahead else adapter_for(project.config, options.database)
    if options.command == "test" and not adapter.published_exists():
        if not _only_unit_tests(project, options):
            raise ProjectError(f"no warehouse at {adapter.location}: run `warehouse build` "
                               "first")
        options = replace(options, publish=False)  # unit tests need none: make none
    stored, unreadable = published_state(adapter)
    late = project.late_checks
    if stored is not None and stored.exists and late is not None and late.plan_waits:
        late.wait()  # the plan compares with what the checks find
    order = select_nodes(project, options, selection_state(project, options, stored, unreadable),
                         console)
    # An ephemeral model builds nothing: its SQL runs inside its children. dbt reports
    # only what it builds, and so do we.
    order = [n for n in order if getattr(project.nodes[n], "materialized", None) != "ephemeral"]
    plan = None
    if stored is not None and not _surely_runs(project, order, stored):
        try:
            data = source_data(project, sources_read(project, order),
                               adapter.published_signatures)
        except Unavailable:
            data = None  # the workspace will read the sources
        if data is not None:
            plan = plan_for(project, options, order, stored, data)
    if plan is not None and plan.nothing_to_do:
        if late is not None:
            late.wait()  # (a failed check is the command's error, before any line)
        results = [not_run(project, n, plan) for n in plan.order]
        listed = [r for r in results if shown(r, options)]
        for index, result in enumerate(listed, start=1):
            print_result(console, project, index, len(listed), result)
        return _finish(adapter, options, results, started, console, published=False,
                       ok=True, kept=None)
    return _build(project, options, adapter, order, plan, started, console, ahead)


def _surely_runs(project: Any, order: list[NodeId], stored: Any) -> bool:
    """Whether a plan would run something for certain: a model the load made again (a
    delta load: compile/delta_load.py) is selected and its own fingerprint is not the one
    stored (an edit: "changed"). Then no plan is made before the build's workspace, which
    plans from its own state anyway: it would only have said "not nothing to do"."""
    changed = getattr(project, "changed_since", None)
    below = changed[1] if changed else None
    if not below:
        return False
    fingerprints, chosen = project.fingerprints, set(order)
    for node_id in below:
        if node_id.kind is NodeKind.MODEL and node_id in chosen:
            before = stored.nodes.get(str(node_id))
            if before is None or before.local_fingerprint != fingerprints[node_id].local:
                return True
    return False


def _build(project: Any, options: RunOptions, adapter: Any, order: list[NodeId],
           plan: Plan | None, started: float, console: Console, ahead: Any) -> RunResult:
    kept = None
    if project.late_checks is not None:
        project.late_checks.go()  # (while DuckDB opens the work file: see late_checks)
    with ahead.take() if ahead is not None else adapter.workspace() as work:
        session, plan = _plan_in(work, project, options, order, plan)
        session.create_schemas(_schemas_written(project, plan))
        late = project.late_checks
        running = [project.nodes[n] for n in plan.run]
        if late is not None and (project.config.on_run_start
                                 or needs_run_context(project, running)):
            # Hooks may reach outside the warehouse, and run-time renders read the graph:
            # neither before the checks.
            late.wait()
        run = run_context_for(project, options, running)
        del running  # (with late checks: the models as they were before, for the whole run)
        run_project_hooks(project, session, ON_RUN_START, run)
        results = _run_nodes(project, options, session, console, plan, run)
        ok, made = not any(r.blocking for r in results), None
        if ok:
            run_project_hooks(project, session, ON_RUN_END, run, results)
            session.write_state(*states_to_store(project, results, plan))
            if options.publish:
                from warehouse.run.artifacts import prepare_entries

                # run_results' entries are made while DuckDB checkpoints the work file
                made = prepare_entries(results, project)
                work.publish()
            else:
                work.discard(keep=False)
        else:
            kept = work.discard(keep=options.publish)  # (unit tests alone: no)
    return replace(_finish(adapter, options, results, started, console,
                           published=ok and options.publish, ok=ok, kept=kept),
                   made_entries=made)


def _plan_in(work: Any, project: Any, options: RunOptions, order: list[NodeId],
             plan: Plan | None) -> tuple[Any, Plan]:
    """The workspace's session and a plan made from its own state. A workspace may start
    from less than the published warehouse and say which nodes it lacks (DuckDB's spare
    file, adapters/duckdb/spare.py): when the plan does not run them all (a selection
    leaves one out), `covers` starts it again from all of it, and the plan is made again."""
    for _attempt in range(2):
        session = work.connect()
        current = session.read_state()
        late = project.late_checks
        if current.exists and late is not None and late.plan_waits:
            late.wait()  # (as in `execute`)
            plan = None
        data = source_data(project, sources_read(project, order), session.data_signatures)
        if plan is None or plan.based_on != current or plan.source_data != data:
            plan = plan_for(project, options, order, current, data)
        covers = getattr(work, "covers", None)
        if covers is None or covers(plan.run):
            break
    return session, plan


def _finish(adapter: Any, options: RunOptions, results: list[NodeResult], started: float,
            console: Console, *, published: bool, ok: bool, kept: str | None) -> RunResult:
    elapsed = time.perf_counter() - started
    note = hidden_note(results, options)
    if note:
        console.line(note)
    console.summary([summary_label(r) for r in results], elapsed,
                    reused=sum(1 for r in results if r.detail.get("reused")))
    if not ok:
        where = f"; the failed build is kept in {kept} for inspection" if kept else ""
        state = "is unchanged" if adapter.published_exists() else "was not created"
        console.line(f"Nothing published: {adapter.label} {state}{where}.")
    return RunResult(options.command, tuple(results), elapsed, published, adapter.location,
                     kept)


def _schemas_written(project: Any, plan: Plan) -> set[str]:
    """Every schema the run writes to, created up front (see Session.create_schemas)."""
    from warehouse.run.testrun import FAILURES_SCHEMA

    running = [project.nodes[n] for n in plan.order if n in plan.run]
    stores = any(getattr(getattr(node, "config", None), "store_failures", False)
                 for node in running if isinstance(node, TestNode))
    schemas = {FAILURES_SCHEMA} if stores else set()
    return schemas | {node.relation.schema for node in running
                      if getattr(node, "relation", None) is not None}


def _only_unit_tests(project: Any, options: RunOptions) -> bool:
    """Whether `test` selects unit tests only: they run without a warehouse."""
    chosen = select_nodes(project, options)
    return bool(chosen) and all(n.kind is NodeKind.UNIT_TEST for n in chosen)


def _run_nodes(project: Any, options: RunOptions, session: Any, console: Console,
               plan: Plan, run: Any = None) -> list[NodeResult]:
    """Report what the plan leaves alone, then run the rest in parallel, DAG order."""
    from warehouse.run.run_graph import graph_of_run
    from warehouse.run.scheduler import run_dag

    graph = graph_of_run(project, options.command, plan.run)
    left = [not_run(project, n, plan) for n in plan.order if n not in plan.run]
    listed = [r for r in left if shown(r, options)]
    total = len(plan.run) + len(listed)
    counter = iter(range(1, total + 1))
    lock = threading.Lock()
    results: dict[NodeId, NodeResult] = {}

    def report(result: NodeResult, show: bool = True) -> None:
        with lock:
            results[result.node_id] = result
            if not show:
                return
            index = next(counter)
        print_result(console, project, index, total, result)

    late = project.late_checks  # (compile/late_checks.py: lines held until they pass)
    if late is not None:
        from warehouse.compile.late_checks import HeldLines

        console = HeldLines(console, late)
    cursors = WorkerCursors(session)
    tests = TestBatches(project, plan.run)
    threads = options.threads or project.config.threads

    def attempt(node: Node, cursor: Any) -> NodeResult:
        try:
            return run_node(project, node, cursor, options, run, tests)
        except WarehouseError as exc:  # a bad seed value: file, line and column already
            return NodeResult(node.id, "error", message=str(exc))
        except Exception as exc:  # database errors: the node fails, the build goes on
            return NodeResult(node.id, "error", message=model_error(project, node, exc))

    groups = CommitGroups(threads == 1, attempt)  # (one thread: one cursor runs them all)

    def work(node_id: NodeId) -> NodeResult:
        began = time.perf_counter()
        node = project.nodes[node_id] if late is None else late.node(node_id)
        if node is None:  # a check failed: the build stops (its error is the load's)
            return NodeResult(node_id, "skipped", message="a model's check failed")
        refused = groups.prepare(node)  # (a refused commit: see run/commits.py)
        cursor = cursors.take(node)
        result = None
        try:
            if refused:
                result = NodeResult(node_id, "error", message=refused)
            else:
                groups.enter(node, cursor)
                result = groups.settle(node, attempt(node, cursor))
        finally:
            cursors.give_back(cursor, kept=result is not None and result.status != "error")
        reason = plan.reasons.get(node_id)
        if late is not None and getattr(node, "volatile", ()) and not options.full_refresh:
            reason = always_run(project, [node_id], False).get(node_id) or reason
        detail = {**result.detail, "reason": reason} if reason else result.detail
        result = replace(result, elapsed=time.perf_counter() - began, detail=detail)
        report(result)
        return result

    def on_skip(node_id: NodeId, reason: str) -> None:
        report(NodeResult(node_id, "skipped", message=reason))

    for result in left:
        report(result, shown(result, options))
    try:
        run_dag(graph, [n for n in plan.order if n in plan.run], work, threads=threads,
                on_skip=on_skip, is_failure=lambda r: r.blocking)
        groups.finish()
    except BaseException:
        if late is not None:
            console.flush()
        raise
    finally:  # (an interrupted run's open group is rolled back as its cursor closes)
        cursors.close()
    if late is not None:
        late.wait()  # the first failed check is raised: the lines held are dropped
        console.flush()
    return [results[n] for n in plan.order if n in results]


def run_node(project: Any, node: Node, session: Any, options: RunOptions,
             run: Any = None, tests: TestBatches | None = None) -> NodeResult:
    """Load a seed, build a model or run a test in `session` (`tests`: the run's groups of
    tests counted together)."""
    refused = getattr(node, "refused", None)
    if refused is not None:  # a construct the engine cannot build, found at load
        raise refused.error()
    if isinstance(node, SeedNode):
        rows = session.load_seed(project.config.root / node.path, node.relation,
                                 node.column_types, display_path=node.path,
                                 types_declared_in=node.types_declared_in,
                                 dbt_types=project.config.schema_naming == "dbt")
        return NodeResult(node.id, "success", rows=rows, relation=str(node.relation))
    if isinstance(node, ModelNode):
        return _run_model(project, node, session, options, run)
    if isinstance(node, TestNode):
        from warehouse.run.hooks import render_test_for_run
        from warehouse.run.testrun import run_test_node

        node = render_test_for_run(project, node, session, run)
        passes = tests is not None and tests.known_to_pass(session, node)
        return run_test_node(session, node, root=project.config.root, known_to_pass=passes)
    if isinstance(node, SnapshotNode):
        return _run_snapshot(project, node, session)
    if node.id.kind is NodeKind.UNIT_TEST:
        from warehouse.run.unit_run import run_unit_test_node

        return run_unit_test_node(session, node)
    raise ProjectError(f"cannot run {node.id}")


def _run_snapshot(project: Any, node: SnapshotNode, session: Any) -> NodeResult:
    """Capture the snapshot's query now; the table is never rebuilt (not even by
    --full-refresh: its history exists nowhere else)."""
    try:
        outcome = session.snapshot(node.relation, node.compiled_sql, node.spec)
    except DatabaseError as exc:
        return NodeResult(node.id, "error", message=model_error(project, node, exc))
    return NodeResult(node.id, "success", rows=outcome.rows, relation=str(node.relation),
                      detail={"kind": "snapshot", "note": outcome.detail})


def _run_model(project: Any, node: ModelNode, session: Any, options: RunOptions,
               run: Any = None) -> NodeResult:
    """`run`: what run-time renders read (run/hooks.py; None when nothing renders)."""
    if node.materialized == "ephemeral":
        return NodeResult(node.id, "success", detail={"kind": "inlined as CTE"})
    node, noted = render_for_run(project, node, session, run)
    run_model_hooks(project, node, session, run, PRE)
    full_refresh = should_full_refresh(node.config, options.full_refresh)
    incremental_sql = None
    if node.materialized == "incremental" and not full_refresh:
        if session.relation_kind(node.relation) == "table":
            incremental_sql = node.incremental_sql
    unique_key = unique_key_columns(node.config.get("unique_key"))
    strategy = node.config.get("incremental_strategy") or ("merge" if unique_key else "append")
    try:
        outcome = session.materialize(node.relation, node.materialized, node.compiled_sql,
                                      incremental_sql=incremental_sql, strategy=strategy,
                                      unique_key=unique_key, full_refresh=full_refresh,
                                      contract=node.contract,
                                      on_schema_change=schema_change_mode(node.config))
    except (DatabaseError, ContractMismatch, ContractTypeError, SchemaChanged) as exc:
        located = build_failure(node, exc)  # a contract's or on_schema_change's own error
        return NodeResult(node.id, "error", message=located or model_error(
            project, node, exc, incremental=incremental_sql is not None))
    run_model_hooks(project, node, session, run, POST)
    return NodeResult(node.id, "success", rows=outcome.rows, relation=str(node.relation),
                      detail={"kind": node.materialized, "note": outcome.detail, **noted})
