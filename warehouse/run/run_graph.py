"""The graph a run is scheduled on: the project's DAG with the run's own edges.

`run_graph` is the whole graph: in `build`, an edge from each single-parent
test to its parent's children (a failing test stops what is built on the data
it tested) and each unit test before its model. A rebuild that runs a few nodes
of a large project need not build and sort all of it: `graph_of_run` is the
same graph cut down to the nodes that run, with an edge from each to the
nearest running nodes above it (through nodes left alone), so that what runs
after what, and what a failure skips, is what the whole graph says.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from warehouse.core.dag import Dag
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import TestNode

_BUILT = (NodeKind.MODEL, NodeKind.SNAPSHOT)


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
            if node_id.kind in _BUILT:
                for parent in list(node_parents):
                    node_parents.extend(tests_of.get(parent, ()))
    if command == "build":  # each unit test before its model, once the model's inputs are
        for node_id, node in project.nodes.items():
            if node_id.kind is NodeKind.UNIT_TEST:
                parents[node_id] = list(project.parents.get(node.depends_on[0], ()))
                parents[node.depends_on[0]].append(node_id)
    return {n: tuple(p) for n, p in parents.items()}


def graph_of_run(project: Any, command: str, run: Collection[NodeId]) -> Dag:
    """The run graph of the nodes in `run` alone (see the module docstring); the whole
    graph when most of the project runs, where cutting it down would save nothing."""
    if 2 * len(run) >= len(project.nodes):
        return Dag(run_graph(project, command))
    running = frozenset(run)
    parents_of = _parents_in_run_graph(project, command)
    above: dict[NodeId, frozenset[NodeId]] = {}  # node -> running nodes nearest above it
    for node in running:
        _nearest_running(node, parents_of, running, above)
    return Dag({n: above[n] for n in running})


def _nearest_running(start: NodeId, parents_of: Callable[[NodeId], list[NodeId]],
                     running: frozenset[NodeId], above: dict[NodeId, frozenset[NodeId]]
                     ) -> None:
    """Fill `above[start]` (and that of every node passed through on the way): the running
    nodes reached from its parents through nodes that do not run. Iterative, so a chain of
    thousands of models does not meet Python's recursion limit."""
    stack = [start]
    while stack:
        node = stack[-1]
        if node in above:
            stack.pop()
            continue
        node_parents = parents_of(node)
        pending = [p for p in node_parents if p not in running and p not in above]
        if pending:
            stack.extend(pending)
            continue
        found: set[NodeId] = set()
        for parent in node_parents:
            if parent in running:
                found.add(parent)
            else:
                found |= above[parent]
        above[node] = frozenset(found)
        stack.pop()


def _parents_in_run_graph(project: Any, command: str) -> Callable[[NodeId], list[NodeId]]:
    """`run_graph(project, command)[node]` worked out for one node when asked, from the
    project's DAG (a test's or unit test's model is among its children there)."""
    nodes, parents, dag = project.nodes, project.parents, project.dag

    def single_parent_tests(parent: NodeId) -> list[NodeId]:
        return [c for c in dag.children(parent)
                if isinstance(nodes[c], TestNode) and len(nodes[c].depends_on) == 1
                and nodes[c].depends_on[0] == parent]

    def unit_tests(model: NodeId) -> list[NodeId]:
        return [c for c in dag.children(model) if c.kind is NodeKind.UNIT_TEST
                and nodes[c].depends_on[0] == model]

    def parents_of(node_id: NodeId) -> list[NodeId]:
        own = list(parents.get(node_id, ()))
        if command != "build":
            return own
        if node_id.kind is NodeKind.UNIT_TEST:
            return list(parents.get(nodes[node_id].depends_on[0], ()))
        found = list(own)
        if node_id.kind in _BUILT:
            for parent in own:
                found.extend(single_parent_tests(parent))
        found.extend(unit_tests(node_id))
        return found

    return parents_of
