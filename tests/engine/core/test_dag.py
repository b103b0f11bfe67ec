"""The project DAG: deterministic order, cycles that print their path, walks, subgraphs."""

from __future__ import annotations

import random
import time

import pytest

from warehouse.core.dag import CycleError, Dag
from warehouse.core.errors import ProjectError, WarehouseError
from warehouse.core.identity import NodeId, NodeKind


def m(name: str) -> NodeId:
    return NodeId(NodeKind.MODEL, name)


def s(name: str) -> NodeId:
    return NodeId(NodeKind.SEED, name)


def dag(edges: dict[str, str]) -> Dag:
    """`{"c": "a b"}`: c reads a and b; every name is a model unless it starts with 'seed_'."""
    def node(name: str) -> NodeId:
        return s(name) if name.startswith("seed_") else m(name)

    parents: dict[NodeId, list[NodeId]] = {}
    for child, ps in edges.items():
        parents.setdefault(node(child), []).extend(node(p) for p in ps.split())
        for p in ps.split():
            parents.setdefault(node(p), [])
    return Dag(parents)


# a diamond with a tail and a separate chain:
#   seed_x -> a -> b -> d -> e
#               \-> c -/
#   f -> g
DIAMOND = {"a": "seed_x", "b": "a", "c": "a", "d": "b c", "e": "d", "g": "f"}


def test_topological_order_is_deterministic_and_ties_break_by_node_id():
    graph = dag(DIAMOND)
    order = graph.topological_order()
    assert [str(n) for n in order] == [
        "model.f", "model.g", "seed.seed_x", "model.a", "model.b", "model.c", "model.d",
        "model.e"]
    # the same graph given in another insertion order gives the same order
    items = [(n, graph.parents(n)) for n in graph]
    random.Random(7).shuffle(items)
    assert Dag(dict(items)).topological_order() == order
    assert list(graph) == list(order) and len(graph) == 8


def test_every_parent_comes_before_its_children():
    graph = dag(DIAMOND)
    for node in graph:
        for parent in graph.parents(node):
            assert graph.position(parent) < graph.position(node)


def test_parents_and_children_are_sorted_and_deduplicated():
    graph = Dag({m("d"): [m("c"), m("b"), m("c")], m("b"): [], m("c"): []})
    assert graph.parents(m("d")) == (m("b"), m("c"))
    assert graph.children(m("b")) == (m("d"),)
    assert graph.children(m("d")) == ()


def test_cycle_error_prints_the_cycle_path():
    # a feeds b, b feeds c, c feeds a; x hangs below the cycle and is not part of it
    graph = {m("a"): [m("c")], m("b"): [m("a")], m("c"): [m("b")], m("x"): [m("c")],
             m("ok"): []}
    with pytest.raises(CycleError) as info:
        Dag(graph)
    assert "model.a -> model.b -> model.c -> model.a" in str(info.value)
    assert info.value.cycle == (m("a"), m("b"), m("c"), m("a"))
    assert isinstance(info.value, ProjectError) and isinstance(info.value, WarehouseError)


def test_cycle_path_starts_at_its_smallest_node_whatever_the_entry_point():
    graph = {m("z"): [m("q")], m("q"): [m("r")], m("r"): [m("z")], m("a"): [m("z")]}
    with pytest.raises(CycleError, match=r"model\.q -> model\.z -> model\.r -> model\.q"):
        Dag(graph)


def test_self_reference_is_a_cycle():
    with pytest.raises(CycleError, match=r"model\.a -> model\.a"):
        Dag({m("a"): [m("a")]})


def test_missing_parent_is_named():
    with pytest.raises(ProjectError, match=r"model\.b depends on model\.ghost"):
        Dag({m("b"): [m("ghost")]})


def test_unknown_node_in_query_is_a_key_error():
    with pytest.raises(KeyError, match="model.nope"):
        dag(DIAMOND).ancestors(m("nope"))


def test_ancestors_and_descendants_with_and_without_depth():
    graph = dag(DIAMOND)
    assert graph.ancestors(m("d")) == {m("b"), m("c"), m("a"), s("seed_x")}
    assert graph.ancestors(m("d"), depth=1) == {m("b"), m("c")}
    assert graph.ancestors(m("d"), depth=2) == {m("b"), m("c"), m("a")}
    assert graph.ancestors(m("d"), depth=0) == frozenset()
    assert graph.descendants(m("a")) == {m("b"), m("c"), m("d"), m("e")}
    assert graph.descendants(m("a"), depth=1) == {m("b"), m("c")}
    assert graph.descendants(m("e")) == frozenset()
    assert graph.ancestors(m("g")) == {m("f")}


def test_upstream_and_downstream_walk_from_many_nodes_including_them():
    graph = dag(DIAMOND)
    assert graph.upstream([m("b"), m("g")]) == {m("b"), m("a"), s("seed_x"), m("g"), m("f")}
    assert graph.downstream([m("d"), m("f")], depth=1) == {m("d"), m("e"), m("f"), m("g")}


def test_generations_group_nodes_that_can_run_together():
    assert dag(DIAMOND).generations == (
        (m("f"), s("seed_x")),
        (m("a"), m("g")),
        (m("b"), m("c")),
        (m("d"),),
        (m("e"),),
    )
    assert Dag({}).generations == ()


def test_subgraph_keeps_only_edges_between_kept_nodes():
    sub = dag(DIAMOND).subgraph([m("a"), m("b"), m("e")])
    assert sub.topological_order() == (m("a"), m("b"), m("e"))
    assert sub.parents(m("b")) == (m("a"),)
    assert sub.parents(m("e")) == ()


def test_five_thousand_nodes_are_fast():
    rng = random.Random(0)
    nodes = [m(f"n{i:05d}") for i in range(5000)]
    parents = {n: rng.sample(nodes[max(0, i - 200):i], min(i, 3)) for i, n in enumerate(nodes)}
    began = time.perf_counter()
    graph = Dag(parents)
    assert len(graph.topological_order()) == 5000
    assert len(graph.generations) > 1
    graph.downstream(nodes[:50])
    graph.upstream(nodes[-50:])
    graph.subgraph(nodes[::2])
    # generous: quadratic work on 5,000 nodes would take far longer than this
    assert time.perf_counter() - began < 5


def test_node_ids_equal_hash_and_sort_by_kind_and_name():
    """NodeId's hash and equality are written out (speed): they must mean what the
    generated ones meant."""
    import pickle

    from warehouse.core.identity import NodeId, NodeKind

    model, test = NodeId(NodeKind.MODEL, "x"), NodeId(NodeKind.TEST, "x")
    assert model == NodeId(NodeKind.MODEL, "x") and hash(model) == hash(NodeId.parse("model.x"))
    assert model != test and len({model, test, NodeId(NodeKind.MODEL, "x")}) == 2
    assert model != "model.x" and model != ("model", "x")
    assert sorted([test, NodeId(NodeKind.MODEL, "y"), model]) == [
        model, NodeId(NodeKind.MODEL, "y"), test]
    assert pickle.loads(pickle.dumps({model: 1}))[model] == 1


def _reference_order(parents: dict[NodeId, list[NodeId]]) -> list[NodeId]:
    """The order the DAG promises, worked out the slow, obvious way: repeatedly the
    smallest NodeId whose parents are all placed."""
    placed: list[NodeId] = []
    left = dict(parents)
    while left:
        node = min(n for n, ps in left.items() if all(p in placed for p in ps))
        placed.append(node)
        del left[node]
    return placed


@pytest.mark.parametrize("seed", range(5))
def test_order_parents_and_children_equal_a_plain_reading_of_the_graph(seed):
    """Random graphs over every kind, names sorting differently from their kinds, parents
    given as sorted tuples, as lists with repeats and out of order."""
    rng = random.Random(seed)
    kinds = list(NodeKind)
    ids = [NodeId(rng.choice(kinds), f"n{rng.randrange(1000):03d}_{i}") for i in range(80)]
    rng.shuffle(ids)
    parents: dict[NodeId, object] = {}
    for index, node in enumerate(ids):
        chosen = rng.sample(ids[:index], min(index, rng.randrange(4)))
        if rng.random() < 0.5:
            parents[node] = tuple(sorted(set(chosen)))
        else:
            parents[node] = chosen + chosen[:1]
    graph = Dag(dict(rng.sample(list(parents.items()), len(parents))))
    plain = {node: sorted(set(ps)) for node, ps in parents.items()}
    assert list(graph.topological_order()) == _reference_order(plain)
    for node in ids:
        assert list(graph.parents(node)) == plain[node]
        assert list(graph.children(node)) == sorted(n for n, ps in plain.items() if node in ps)
