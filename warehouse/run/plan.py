"""What a run must do: which selected nodes changed, which can be skipped, which tests reused.

A pure function of the selected nodes, the DAG, the current fingerprints
and the stored state of the warehouse. The rules:

* A seed or model runs when its full fingerprint differs from the stored one
  (or none is stored), when its relation is missing from the warehouse, or
  when anything upstream of it runs in this run, even through a node that is
  not selected: with a -> b -> c, a view b shows a's new rows to c. Otherwise
  it is *unchanged* and skipped. This holds for incremental models too: with
  nothing new upstream, another incremental run would add nothing new.
* A data test is *reused*, reported from its stored result instead of run,
  when its own SQL and config and its parents' fingerprints are unchanged
  (one full fingerprint says both), nothing upstream runs, and the stored
  result was a pass or a warn: the same query on the same data gives the
  same answer. A failing or erroring test is never stored (such a build is
  not published), and is always run again.
* `--full-refresh` runs everything selected.

What is not seen: data that reaches the warehouse outside the engine
(a source table loaded by another tool, a table edited by hand). Sources
are fingerprinted by their relation only; `--full-refresh` rebuilds
everything from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from warehouse.adapters.duckdb.state import NodeState, StoredState
from warehouse.compile.fingerprint import Fingerprint
from warehouse.core.identity import NodeId, NodeKind, Relation

REUSABLE_TEST_STATUSES = frozenset({"pass", "warn"})


@dataclass(frozen=True)
class Plan:
    """`run`: nodes to execute; `unchanged`: seeds/models to skip; `reused`: tests whose
    stored result stands. Each selected node is in exactly one of them."""

    run: frozenset[NodeId]
    unchanged: frozenset[NodeId]
    reused: Mapping[NodeId, NodeState]
    reasons: Mapping[NodeId, str]  # why a node runs: 'new', 'changed', 'missing', ...

    @property
    def nothing_to_do(self) -> bool:
        return not self.run


def plan_run(selected: Iterable[NodeId], topological: Iterable[NodeId],
             parents: Mapping[NodeId, Iterable[NodeId]],
             fingerprints: Mapping[NodeId, Fingerprint], stored: StoredState,
             relations: Mapping[NodeId, Relation | None], *,
             full_refresh: bool = False) -> Plan:
    """Decide, in dependency order, what each selected node does.

    `topological` is every node of the project in dependency order (not only
    the selected ones), so that change flows through unselected nodes;
    `relations` gives each seed/model the relation it must find in the
    warehouse (None for ephemeral models, which build nothing)."""
    chosen = frozenset(selected)
    run: set[NodeId] = set()
    unchanged: set[NodeId] = set()
    reused: dict[NodeId, NodeState] = {}
    reasons: dict[NodeId, str] = {}
    tainted: set[NodeId] = set()  # runs now, or reads something that runs now
    for node_id in topological:
        upstream = any(p in tainted for p in parents.get(node_id, ()))
        if node_id not in chosen:
            if upstream:
                tainted.add(node_id)
            continue
        reason = _reason(node_id, fingerprints.get(node_id), stored, relations.get(node_id),
                         full_refresh=full_refresh, upstream=upstream)
        if reason is not None:
            run.add(node_id)
            reasons[node_id] = reason
            tainted.add(node_id)
        elif node_id.kind is NodeKind.TEST:
            reused[node_id] = stored.nodes[str(node_id)]
        else:
            unchanged.add(node_id)
    return Plan(frozenset(run), frozenset(unchanged), reused, reasons)


def _reason(node_id: NodeId, fingerprint: Fingerprint | None, stored: StoredState,
            relation: Relation | None, *, full_refresh: bool, upstream: bool) -> str | None:
    """Why the node must run, or None when its stored relation or result stands."""
    if full_refresh:
        return "full refresh"
    if fingerprint is None:
        return "no fingerprint"
    before = stored.nodes.get(str(node_id))
    if before is None:
        return "new"
    if before.fingerprint != fingerprint.full:
        return "changed" if before.local_fingerprint != fingerprint.local else "parent changed"
    if upstream:
        return "upstream runs"
    if node_id.kind is NodeKind.TEST:
        return None if before.status in REUSABLE_TEST_STATUSES else f"was {before.status}"
    if relation is not None and not stored.has_relation(relation):
        return "relation missing"
    return None
