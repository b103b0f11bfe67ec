"""The run's side of stored state: what the planner is given, and what a run stores.

Reading: the published warehouse's state through the adapter (or why it
cannot be read now), and what `state:` and `result:` selectors compare with
(the stored fingerprints, the statuses in target/run_results.json).
Writing: the rows a successful run stores beside the relations it built
(`states_to_store`); the adapter writes them into the workspace, so they are
published with those relations or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from warehouse.adapters.base import NodeState, StoredState, Unavailable
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.run.plan import Plan, built_relation
from warehouse.run.results import NodeResult, RunOptions
from warehouse.run.selection import SelectionState


def published_state(adapter: Any) -> tuple[StoredState | None, str | None]:
    """(stored state, None) of the warehouse the run writes to, or (None, why) when it
    cannot be read now (another process holds it read-write)."""
    try:
        return adapter.published_state(), None
    except Unavailable as exc:
        return None, str(exc)


def source_data(project: Any, sources: Sequence[NodeId],
                signatures: Callable[[list[Any]], Mapping[Any, str | None]]
                ) -> dict[NodeId, str | None]:
    """The data signature of each source node, from `signatures` (the adapter's, for the
    published warehouse, or a workspace session's). A source read from files has none
    (None: what reads it runs), even if a table of its name exists."""
    if not sources:
        return {}
    relations = {n: project.nodes[n].relation for n in sources
                 if not getattr(project.nodes[n], "external", None)}
    found = signatures(list(relations.values())) if relations else {}
    return {n: found.get(relations[n]) if n in relations else None for n in sources}


def wants_state(options: RunOptions) -> bool:
    """Whether a selector compares with the stored state or the last run's results."""
    return any(m in t for t in (*options.select, *options.exclude)
               for m in ("state:", "result:"))


def selection_state(project: Any, options: RunOptions, stored: StoredState | None,
                    unreadable: str | None) -> SelectionState:
    """What `state:` and `result:` selectors compare with: the published warehouse's
    fingerprints (local ones: `state:modified` is what was edited) and the statuses
    of the last run (target/run_results.json)."""
    terms = [*options.select, *options.exclude]
    wants_fingerprints = any("state:" in t for t in terms)
    wants_results = any("result:" in t for t in terms)
    results = previous_results(project.target_path) if wants_results else None
    if not wants_fingerprints:
        return SelectionState(previous_results=results)
    if stored is None:
        raise ProjectError(f"cannot read the stored state of {project.database_path.name}: "
                           f"{unreadable}",
                           hint="a process holds the warehouse open read-write; close it "
                                "(BI tools should open it read-only)")
    return SelectionState(
        current_fingerprints={str(n): f.local for n, f in project.fingerprints.items()},
        previous_fingerprints=stored.local_fingerprints(), previous_results=results)


def previous_results(target_path: Path) -> dict[str, str] | None:
    """Each node's status in the last run_results.json; None when there is none."""
    from warehouse.run.artifacts import result_statuses

    path = target_path / "run_results.json"
    try:
        return result_statuses(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def states_to_store(project: Any, results: Sequence[NodeResult], plan: Plan
                    ) -> tuple[list[NodeState], set[str]]:
    """Fingerprints of what ran (as the plan compared them: with the sources' data folded
    in), and the node ids whose stored rows may stay.

    Rows of nodes built from inputs this run replaced, but not run themselves
    (a descendant left out of the selection), are dropped: their next run
    must not mistake them for unchanged."""
    ran = [r for r in results if r.status in ("success", "pass", "warn")
           and not r.detail.get("reused")]
    ran_ids: set[NodeId] = {r.node_id for r in ran}
    stale = project.dag.downstream(ran_ids) - ran_ids
    fingerprints = plan.fingerprints or project.fingerprints
    states = []
    for r in ran:
        fp = fingerprints[r.node_id]
        if r.detail.get("reads_outside"):
            # Rendered at run time from the catalog of relations that are not its parents
            # (run/hooks.py): nothing proves it unchanged, so no stored state may match.
            fp = type(fp)(fp.local + ":unproven", fp.full + ":unproven")
        relation = built_relation(project.nodes[r.node_id])
        states.append(NodeState(
            str(r.node_id), fp.full, fp.local, str(relation) if relation else None, r.status,
            r.failures, r.message if r.node_id.kind is NodeKind.TEST else ""))
    return states, {str(n) for n in project.nodes if n not in stale}
