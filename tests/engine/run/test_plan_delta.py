"""The planner's answer is the one a walk over every node gives (run/plan.py).

`plan_run` walks only the nodes with a reason of their own and what is
downstream of them; `reference` below is the walk over the whole project in
dependency order that it replaced, asked about random graphs, stored states
and selections."""

from __future__ import annotations

import random

import pytest

from warehouse.adapters.base import NodeState, StoredState
from warehouse.compile.fingerprint import Fingerprint
from warehouse.core.dag import Dag
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.run import plan as plans
from warehouse.run.plan import SNAPSHOT_REASON, TEST_KINDS, plan_run


def reference(selected, topological, parents, fingerprints, stored, relations, *,
              full_refresh=False, always=None):
    """Every node in order: whether anything upstream runs, then why this one does."""
    always = always or {}
    chosen = frozenset(selected)
    run, unchanged, reused, reasons, tainted = set(), set(), {}, {}, set()
    for node_id in topological:
        upstream = any(p in tainted for p in parents.get(node_id, ()))
        if node_id not in chosen:
            if upstream:
                tainted.add(node_id)
            continue
        if node_id.kind is NodeKind.SNAPSHOT:
            reason = always.get(node_id) or SNAPSHOT_REASON
        else:
            reason = "full refresh" if full_refresh else always.get(node_id) or plans._reason(
                node_id, fingerprints.get(node_id), stored, relations.get(node_id),
                upstream=upstream)
        if reason is not None:
            run.add(node_id)
            reasons[node_id] = reason
            tainted.add(node_id)
        elif node_id.kind in TEST_KINDS:
            reused[node_id] = stored.nodes[str(node_id)]
        else:
            unchanged.add(node_id)
    return run, unchanged, reused, reasons


KINDS = [NodeKind.MODEL] * 5 + [NodeKind.SEED, NodeKind.TEST, NodeKind.TEST,
                                NodeKind.SNAPSHOT, NodeKind.UNIT_TEST, NodeKind.SOURCE]


def random_case(rng: random.Random):
    n = rng.randint(1, 30)
    nodes = [NodeId(rng.choice(KINDS), f"n{i:02d}") for i in range(n)]
    parents = {node: tuple(rng.sample(nodes[:i], min(i, rng.randint(0, 3))))
               for i, node in enumerate(nodes)}
    fingerprints = {node: Fingerprint(f"l{rng.randint(0, 1)}", f"f{rng.randint(0, 1)}")
                    for node in nodes if rng.random() > 0.05}
    stored_nodes, present = {}, set()
    for node in nodes:
        relation = Relation("main", node.name)
        if rng.random() > 0.1:
            present.add(("main", node.name))
        if rng.random() > 0.15:
            status = rng.choice(["pass", "warn", "success", "error"])
            stored_nodes[str(node)] = NodeState(str(node), f"f{rng.randint(0, 1)}",
                                                f"l{rng.randint(0, 1)}", str(relation), status)
    stored = StoredState(stored_nodes, frozenset(present), exists=True)
    relations = {node: None if node.kind in TEST_KINDS or rng.random() < 0.1
                 else Relation("main", node.name) for node in nodes}
    selected = [node for node in nodes if rng.random() > 0.3]
    always = {node: "always" for node in selected if rng.random() < 0.1}
    return selected, tuple(nodes), parents, fingerprints, stored, relations, always


@pytest.mark.parametrize("seed", range(300))
def test_the_plan_is_the_whole_walk_s(seed):
    rng = random.Random(seed)
    selected, order, parents, fps, stored, relations, always = random_case(rng)
    full_refresh = rng.random() < 0.1
    dag = Dag(parents) if seed % 2 else None  # the project's graph, or none
    plan = plan_run(selected, order, parents, fps, stored, relations,
                    full_refresh=full_refresh, always=always, dag=dag)
    run, unchanged, reused, reasons = reference(selected, order, parents, fps, stored,
                                                relations, full_refresh=full_refresh,
                                                always=always)
    assert plan.run == run and plan.unchanged == unchanged
    assert dict(plan.reused) == reused and dict(plan.reasons) == reasons
    assert plan.order == tuple(selected)


def test_a_second_plan_of_the_same_graph_after_a_change_sees_the_change():
    a, b = NodeId(NodeKind.MODEL, "a"), NodeId(NodeKind.MODEL, "b")
    order, parents = (a, b), {a: (), b: (a,)}
    relations = {a: Relation("main", "a"), b: Relation("main", "b")}
    stored = StoredState({"model.a": NodeState("model.a", "fa", "la"),
                          "model.b": NodeState("model.b", "fb", "lb")},
                         frozenset({("main", "a"), ("main", "b")}), exists=True)
    same = {a: Fingerprint("la", "fa"), b: Fingerprint("lb", "fb")}
    assert plan_run(order, order, parents, same, stored, relations).run == set()
    edited = {a: Fingerprint("la2", "fa2"), b: Fingerprint("lb", "fb2")}
    assert plan_run(order, order, parents, edited, stored, relations).run == {a, b}
    gone = StoredState(stored.nodes, frozenset({("main", "a")}), exists=True)
    assert plan_run(order, order, parents, same, gone, relations).reasons == {
        b: "relation missing"}
