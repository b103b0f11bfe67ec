"""The project graph: which node reads which, in an order that never changes by accident.

A `Dag` is built once from each node's parents and is read-only afterwards.
Everything that depends on iteration order (build order, progress lines,
manifest entries) reads it from here, so two runs over the same project do
the same thing in the same order: ties in the topological sort are broken by
`NodeId` order, not by dict or set order.

Walks are breadth-first from many start nodes at once (`upstream`,
`downstream`), so selecting `+tag:x` over thousands of tagged nodes visits each
edge once rather than once per tagged node.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import cached_property
from operator import attrgetter

from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId

_ORDER = attrgetter("kind", "name")  # NodeId's own order, as a key (compared in C)


class CycleError(ProjectError):
    """The project's refs form a loop, so no order can build it."""

    def __init__(self, cycle: tuple[NodeId, ...]) -> None:
        self.cycle = cycle  # first node repeated at the end: (a, b, a)
        path = " -> ".join(str(n) for n in cycle)
        super().__init__(
            f"dependency cycle: {path}",
            hint="each node reads from the one before it; remove one of these ref()s",
        )


class Dag:
    """Nodes and their parent edges, with a deterministic topological order.

    Construction validates the graph (every parent is a node, no cycles), so a
    `Dag` that exists can always be scheduled.
    """

    def __init__(self, parents: Mapping[NodeId, Iterable[NodeId]]) -> None:
        # Built over each node's rank (its place in NodeId order): sorting, the heap and the
        # edge counts then work on integers and lists. NodeId's hash and comparison are
        # Python calls, and the graph of 25,000 nodes made half a million of them.
        ranked = sorted(parents, key=_ORDER)
        rank = {node: i for i, node in enumerate(ranked)}
        kids: list[list[int]] = [[] for _ in ranked]
        waiting = [0] * len(ranked)
        self._parents: dict[NodeId, tuple[NodeId, ...]] = {}
        for node, ps in parents.items():
            self._parents[node] = ps = _sorted_unique(ps, rank)
            at = rank[node]
            waiting[at] = len(ps)
            for parent in ps:
                above = rank.get(parent)
                if above is None:
                    raise ProjectError(f"{node} depends on {parent}, which is not in the project")
                kids[above].append(at)
        for below in kids:
            below.sort()
        self._children = {node: tuple([ranked[k] for k in kids[rank[node]]])
                          for node in self._parents}
        self._order = _topological_order(ranked, kids, waiting, self._parents)
        self._position = {node: i for i, node in enumerate(self._order)}

    # -- the graph as a whole ------------------------------------------------

    def __contains__(self, node: object) -> bool:
        return node in self._parents

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[NodeId]:
        return iter(self._order)

    def __repr__(self) -> str:
        edges = sum(len(ps) for ps in self._parents.values())
        return f"Dag({len(self)} nodes, {edges} edges)"

    @property
    def nodes(self) -> tuple[NodeId, ...]:
        """Every node, in topological order."""
        return self._order

    def topological_order(self) -> tuple[NodeId, ...]:
        """Parents before children; among nodes ready together, smallest `NodeId` first."""
        return self._order

    def position(self, node: NodeId) -> int:
        """The node's index in `topological_order()`, for sorting subsets the same way."""
        return self._position[self._known(node)]

    def sort(self, nodes: Iterable[NodeId]) -> list[NodeId]:
        """`nodes` in topological order."""
        return sorted(nodes, key=self.position)

    @cached_property
    def generations(self) -> tuple[tuple[NodeId, ...], ...]:
        """Levels for parallel scheduling: each node sits one level below its deepest parent.

        Every node of a level can run at the same time once the levels before
        it are done. (The scheduler does better by starting each node as soon
        as its own parents finish; levels are for display and planning.)
        """
        level: dict[NodeId, int] = {}
        for node in self._order:
            level[node] = 1 + max((level[p] for p in self._parents[node]), default=-1)
        out: list[list[NodeId]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
        for node in self._order:
            out[level[node]].append(node)
        return tuple(tuple(sorted(g)) for g in out)

    # -- neighbours and walks --------------------------------------------------

    def parents(self, node: NodeId) -> tuple[NodeId, ...]:
        return self._parents[self._known(node)]

    def children(self, node: NodeId) -> tuple[NodeId, ...]:
        return self._children[self._known(node)]

    def ancestors(self, node: NodeId, depth: int | None = None) -> frozenset[NodeId]:
        """Nodes `node` reads from, directly or not, within `depth` edges; not `node` itself."""
        return self.upstream([node], depth) - {node}

    def descendants(self, node: NodeId, depth: int | None = None) -> frozenset[NodeId]:
        """Nodes that read from `node`, directly or not, within `depth` edges; not `node`."""
        return self.downstream([node], depth) - {node}

    def upstream(self, nodes: Iterable[NodeId], depth: int | None = None) -> frozenset[NodeId]:
        """`nodes` and everything within `depth` parent edges of any of them."""
        return self._walk(nodes, self._parents, depth)

    def downstream(self, nodes: Iterable[NodeId], depth: int | None = None) -> frozenset[NodeId]:
        """`nodes` and everything within `depth` child edges of any of them."""
        return self._walk(nodes, self._children, depth)

    def _walk(self, starts: Iterable[NodeId], edges: Mapping[NodeId, tuple[NodeId, ...]],
              depth: int | None) -> frozenset[NodeId]:
        seen = {self._known(n) for n in starts}
        frontier = deque((n, 0) for n in seen)
        while frontier:
            node, dist = frontier.popleft()
            if depth is not None and dist >= depth:
                continue
            for nxt in edges[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append((nxt, dist + 1))
        return frozenset(seen)

    # -- smaller graphs --------------------------------------------------------

    def subgraph(self, nodes: Collection[NodeId]) -> Dag:
        """The DAG restricted to `nodes`, with only the edges between them.

        A path through a dropped node is not kept (a -> b -> c without b gives
        a and c unconnected). The scheduler does not need it: it walks the full
        graph and lets unselected nodes pass through, which keeps the order
        a before c without adding edges that can grow quadratically.
        """
        keep = {self._known(n) for n in nodes}
        return Dag({n: [p for p in self._parents[n] if p in keep] for n in keep})

    def _known(self, node: NodeId) -> NodeId:
        if node not in self._parents:
            raise KeyError(f"{node} is not a node of this graph")
        return node


def _sorted_unique(parents: Iterable[NodeId], rank: Mapping[NodeId, int]) -> tuple[NodeId, ...]:
    """`parents` sorted without repeats; the very tuple when it is one already (a project's
    parents are: the DAG then holds, and the parse cache pickles, one tuple for both).
    `rank`: each node's place in NodeId order."""
    if type(parents) is tuple:
        ranks = [rank.get(p, -1) for p in parents]
        if -1 not in ranks and all(a < b for a, b in zip(ranks, ranks[1:], strict=False)):
            return parents
    return tuple(sorted(set(parents)))


def _topological_order(ranked: list[NodeId], kids: list[list[int]], waiting: list[int],
                       parents: Mapping[NodeId, tuple[NodeId, ...]]) -> tuple[NodeId, ...]:
    """Kahn's algorithm with a heap, so ready nodes come out smallest first: over ranks
    (places in NodeId order; `kids`: each rank's children's, `waiting`: its parents'
    count, used up here)."""
    ready = [at for at, count in enumerate(waiting) if count == 0]  # ascending: a heap
    order: list[NodeId] = []
    while ready:
        at = heapq.heappop(ready)
        order.append(ranked[at])
        for child in kids[at]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(order) < len(ranked):
        stuck = {ranked[at] for at, count in enumerate(waiting) if count}
        raise CycleError(_find_cycle(stuck, parents))
    return tuple(order)


def _find_cycle(stuck: set[NodeId], parents: Mapping[NodeId, tuple[NodeId, ...]]) -> tuple[
        NodeId, ...]:
    """One cycle among the nodes Kahn's algorithm could not order.

    Each stuck node has a stuck parent (else it would have been ordered), so
    following parents from any stuck node must come back to a node already
    seen. The cycle is returned in data-flow order (each node feeds the next),
    starting from its smallest node, with that node repeated at the end.
    """
    node = min(stuck)
    seen: dict[NodeId, int] = {}
    walk: list[NodeId] = []
    while node not in seen:
        seen[node] = len(walk)
        walk.append(node)
        node = min(p for p in parents[node] if p in stuck)
    loop = walk[seen[node]:][::-1]  # parent walk reversed: each feeds the next
    start = loop.index(min(loop))
    loop = loop[start:] + loop[:start]
    return (*loop, loop[0])
