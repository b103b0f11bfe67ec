"""The runner's side of stored state: the plan, `state:` selection, and what is stored.

The runner executes; these functions decide, from the project's fingerprints
and the state stored in the warehouse (`warehouse.adapters.duckdb.state`), what a run does
with each node (`warehouse.run.plan`), what a node that is not run reports,
and which rows the run writes back beside the relations it built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node, SeedNode
from warehouse.run.results import NodeResult, RunOptions


def published_state(project: Any, options: RunOptions) -> tuple[Any, str | None]:
    """(stored state, None) of the warehouse the run writes to, or (None, why) when it
    cannot be read (another process holds it read-write)."""
    from warehouse.adapters.duckdb.state import StateUnreadable, read_published_state

    published = options.database or project.database_path
    try:
        return read_published_state(published, stamp_path(project, published)), None
    except StateUnreadable as exc:
        return None, str(exc)


def stamp_path(project: Any, published: Path) -> Path | None:
    """The state stamp (see state.read_published_state), for the project's own warehouse
    only: a build into another file (the pytest plugin's) must not replace it."""
    from warehouse.adapters.duckdb.state import STAMP_NAME

    return project.target_path / STAMP_NAME if published == project.database_path else None


def plan_for(project: Any, options: RunOptions, order: list[NodeId], stored: Any) -> Any:
    """What the run does with each selected node (see warehouse.run.plan)."""
    from warehouse.run.plan import plan_run

    relations = {n: built_relation(project.nodes[n]) for n in order}
    return plan_run(order, project.dag.topological_order(), project.parents,
                    project.fingerprints, stored, relations, full_refresh=options.full_refresh)


def selection_state(project: Any, options: RunOptions, stored: Any,
                    unreadable: str | None) -> Any:
    """What `state:` and `result:` selectors compare with: the published warehouse's
    fingerprints (local ones: `state:modified` is what was edited) and the statuses
    of the last run (target/run_results.json)."""
    from warehouse.run.selection import SelectionState

    terms = [*options.select, *options.exclude]
    wants_state = any("state:" in t for t in terms)
    wants_results = any("result:" in t for t in terms)
    if stored is None and wants_state:
        raise ProjectError(f"cannot read the stored state of {project.database_path.name}: "
                           f"{unreadable}",
                           hint="a process holds the warehouse open read-write; close it "
                                "(BI tools should open it read-only)")
    if not wants_state:
        return SelectionState(previous_results=previous_results(project) if wants_results
                              else None)
    return SelectionState(
        current_fingerprints={str(n): f.local for n, f in project.fingerprints.items()},
        previous_fingerprints=stored.local_fingerprints(),
        previous_results=previous_results(project) if wants_results else None)


def previous_results(project: Any) -> dict[str, str] | None:
    import json

    path = project.target_path / "run_results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {r["unique_id"]: r["status"] for r in data["results"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def built_relation(node: Node) -> Any:
    """The relation a seed or model leaves in the warehouse; None if it leaves none."""
    if isinstance(node, ModelNode) and node.materialized == "ephemeral":
        return None
    return getattr(node, "relation", None) if isinstance(node, (ModelNode, SeedNode)) else None


def store_state(con: Any, project: Any, results: list[NodeResult]) -> None:
    """Fingerprints of what ran, written into the work file beside what it built.

    Rows of nodes built from inputs this run replaced, but not run themselves
    (a descendant left out of the selection), are dropped: their next run
    must not mistake them for unchanged."""
    from warehouse.adapters.duckdb.state import NodeState, write_state

    ran = [r for r in results if r.status in ("success", "pass", "warn")
           and not r.detail.get("reused")]
    ran_ids = {r.node_id for r in ran}
    stale = project.dag.downstream(ran_ids) - ran_ids
    states = []
    for r in ran:
        fp = project.fingerprints[r.node_id]
        relation = built_relation(project.nodes[r.node_id])
        states.append(NodeState(
            str(r.node_id), fp.full, fp.local, str(relation) if relation else None, r.status,
            r.failures, r.message if r.node_id.kind is NodeKind.TEST else ""))
    keep = {str(n) for n in project.nodes if n not in stale}
    write_state(con, states, keep)


def not_run(project: Any, node_id: NodeId, plan: Any) -> NodeResult:
    """The result of a node the plan leaves alone: unchanged, or a test's stored result."""
    stored = plan.reused.get(node_id)
    if stored is not None:
        return NodeResult(node_id, stored.status, message=stored.message or "",
                          failures=stored.failures, detail={"reused": True})
    relation = built_relation(project.nodes[node_id])
    return NodeResult(node_id, "unchanged", relation=str(relation) if relation else None)
