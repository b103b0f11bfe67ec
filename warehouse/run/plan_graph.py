"""What the planner reads of the project graph, worked out once per graph (run/plan.py).

A build plans two or three times over the same loaded project, each time
comparing the whole project with a stored state: the graph's ids as text, its
tests and snapshots, and (without the project's `Dag`) each node's children and
position are made once and kept for the graph last asked about.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any

from warehouse.adapters.base import NodeState, StoredState
from warehouse.compile.fingerprint import Fingerprint
from warehouse.core.identity import NodeId, NodeKind

TEST_KINDS = frozenset({NodeKind.TEST, NodeKind.UNIT_TEST})  # stored results


class Graph:
    """What `plan_run` reads of the project graph, worked out once per graph: its nodes, their
    ids as text, its tests and snapshots; order and children from the project's `Dag`
    when there is one (else made here, on first use)."""

    def __init__(self, topological: tuple[NodeId, ...],
                 parents: Mapping[NodeId, Iterable[NodeId]], dag: Any = None) -> None:
        self.topological, self.parents, self.dag = topological, parents, dag
        self.all = frozenset(topological)
        self.text = {n: str(n) for n in topological}
        self.texts = frozenset(self.text.values())
        self.tests = frozenset(n for n in topological if n.kind in TEST_KINDS)
        self.test_texts = frozenset(self.text[n] for n in self.tests)
        self.snapshots = frozenset(n for n in topological if n.kind is NodeKind.SNAPSHOT)
        self._fingerprints: tuple[Any, dict[str, str], frozenset[NodeId]] | None = None

    def node(self, text: str) -> NodeId:
        return NodeId.parse(text)  # (asked for the few nodes that differ)

    def in_order(self, starts: Iterable[NodeId]) -> list[NodeId]:
        """`starts` and everything downstream of them, in dependency order."""
        if self.dag is not None:
            return self.dag.sort(self.dag.downstream(starts))
        seen = set(starts)
        todo = list(seen)
        while todo:
            for child in self._children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        position = self._position
        return sorted((n for n in seen if n in position), key=position.__getitem__)

    @cached_property
    def _position(self) -> dict[NodeId, int]:
        return {n: i for i, n in enumerate(self.topological)}

    @cached_property
    def _children(self) -> dict[NodeId, list[NodeId]]:
        children: dict[NodeId, list[NodeId]] = {}
        for node, ps in self.parents.items():
            for parent in ps:
                children.setdefault(parent, []).append(node)
        return children

    def full_fingerprints(self, fingerprints: Mapping[NodeId, Fingerprint]
                          ) -> tuple[dict[str, str], frozenset[NodeId]]:
        """Full fingerprints by node id text, and the nodes without one (kept for the
        mapping last asked about)."""
        if self._fingerprints is None or self._fingerprints[0] is not fingerprints:
            text = self.text
            self._fingerprints = (fingerprints, {text.get(n) or str(n): f.full
                                                 for n, f in fingerprints.items()},
                                  frozenset(n for n in self.topological
                                            if n not in fingerprints))
        return self._fingerprints[1], self._fingerprints[2]


_last_graph: Graph | None = None


def graph_of(topological: Iterable[NodeId], parents: Mapping[NodeId, Iterable[NodeId]],
             dag: Any = None) -> Graph:
    """The `Graph` of the graph last planned (a build plans two or three times), else new."""
    global _last_graph
    known = _last_graph
    if (known is None or known.parents is not parents or known.dag is not dag
            or known.topological is not topological):
        known = _last_graph = Graph(tuple(topological), parents, dag)
        if not isinstance(topological, tuple):  # (a generator: nothing to know it by)
            _last_graph = None
    return known


class Reused(Mapping[NodeId, NodeState]):
    """The stored result of each test left alone, looked up when asked (a report asks for
    each once; a dict made up front cost as much again at 7,500 tests)."""

    def __init__(self, tests: frozenset[NodeId], graph: Graph, stored: StoredState) -> None:
        self._tests, self._text, self._stored = tests, graph.text, stored.nodes

    def __getitem__(self, node_id: NodeId) -> NodeState:
        if node_id not in self._tests:
            raise KeyError(node_id)
        return self._stored[self._text[node_id]]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._tests

    def get(self, node_id: NodeId, default: Any = None) -> Any:  # (once per node reported)
        return self._stored[self._text[node_id]] if node_id in self._tests else default

    def __iter__(self) -> Iterator[NodeId]:
        return iter(self._tests)

    def __len__(self) -> int:
        return len(self._tests)
