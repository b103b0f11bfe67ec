"""Where each node of the lineage graph goes: a column per layer, an order that crosses little.

Analysts look for a layer (the marts), not for a depth in the DAG, so the
columns are the project's layers (seeds and sources, then model folders such as
staging, intermediate, marts). Their order is read from the graph, not from
their names, so any project's folders line up: a layer comes before the layers
that read it (ties by how deep its nodes sit). A layer taller than
`MAX_PER_COLUMN` wraps into several columns.

Within the columns, nodes are ordered by the barycentre heuristic: each node
moves to the mean position of its neighbours in the other columns, sweeping
right then left, and the order with the fewest edge crossings is kept. Edges
between nodes of one layer are drawn as arcs beside their column (see
graph_svg) and are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from warehouse.core.identity import NodeId

FIRST = ("seed", "source", "snapshot")  # where data enters: always leftmost
MAX_PER_COLUMN = 24
SWEEPS = 8
# Counting crossings takes time in the square of the edges: past this many, the sweeps run
# without counting (under a few seconds for thousands of models) and nothing is polished.
COUNTED_EDGES = 250
POLISHED_EDGES = 150  # the swaps after the sweeps recount crossings for every swap tried


@dataclass(frozen=True)
class Layout:
    columns: tuple[tuple[NodeId, ...], ...]  # left to right, each top to bottom
    column_layer: tuple[str, ...]  # the layer of each column
    crossings: int  # -1: too many edges to count (see COUNTED_EDGES)

    def position(self) -> dict[NodeId, tuple[int, int]]:
        return {n: (c, r) for c, column in enumerate(self.columns) for r, n in enumerate(column)}


def depths(order: Sequence[NodeId], parents: Mapping[NodeId, Sequence[NodeId]]
           ) -> dict[NodeId, int]:
    """Longest path from a node without parents (order: topological)."""
    depth: dict[NodeId, int] = {}
    for node in order:
        depth[node] = 1 + max((depth[p] for p in parents.get(node, ()) if p in depth), default=-1)
    return depth


def layer_order(order: Sequence[NodeId], parents: Mapping[NodeId, Sequence[NodeId]],
                layer_of: Mapping[NodeId, str]) -> list[str]:
    """Layers left to right: those data enters by first, then each layer before the ones
    that read it; where layers read each other both ways, the one read more goes first."""
    depth = depths(order, parents)
    members: dict[str, list[int]] = {}
    for node in order:
        members.setdefault(layer_of.get(node, ""), []).append(depth[node])
    reads: dict[tuple[str, str], int] = {}
    for node in order:
        for parent in parents.get(node, ()):
            a, b = layer_of.get(parent, ""), layer_of.get(node, "")
            if a != b and parent in depth:
                reads[(a, b)] = reads.get((a, b), 0) + 1
    left = set(members)
    out = []
    while left:
        def pending(layer: str) -> tuple[bool, int, float, str]:
            incoming = sum(n for (a, b), n in reads.items() if b == layer and a in left)
            mean = sum(members[layer]) / len(members[layer])
            return (layer not in FIRST, incoming, mean, layer)

        best = min(left, key=pending)
        out.append(best)
        left.remove(best)
    return out


def arrange(order: Sequence[NodeId], parents: Mapping[NodeId, Sequence[NodeId]],
            layer_of: Mapping[NodeId, str]) -> Layout:
    """Columns by layer, each ordered to cross few edges."""
    depth = depths(order, parents)
    columns: list[list[NodeId]] = []
    column_layer: list[str] = []
    for layer in layer_order(order, parents, layer_of):
        nodes = sorted((n for n in order if layer_of.get(n, "") == layer),
                       key=lambda n: (depth[n], n.name))
        chunks = -(-len(nodes) // MAX_PER_COLUMN)
        for i in range(chunks):
            columns.append(nodes[i::chunks])
            column_layer.append(layer)
    edges = [(p, n) for n in order for p in parents.get(n, ()) if p in depth]
    if len(edges) > COUNTED_EDGES:
        neighbours = _neighbours(edges)
        for sweep in range(SWEEPS):
            indices = range(len(columns)) if sweep % 2 == 0 else range(len(columns) - 1, -1, -1)
            for ci in indices:
                _by_barycentre(columns, ci, neighbours, left=sweep % 2 == 0)
        return Layout(tuple(tuple(c) for c in columns), tuple(column_layer), -1)
    best = _ordered(columns, edges, column_layer)
    return Layout(tuple(tuple(c) for c in best), tuple(column_layer),
                  crossings(best, edges, column_layer))


def _neighbours(edges: Sequence[tuple[NodeId, NodeId]]) -> dict[NodeId, list[NodeId]]:
    out: dict[NodeId, list[NodeId]] = {}
    for a, b in edges:
        out.setdefault(a, []).append(b)
        out.setdefault(b, []).append(a)
    return out


def _ordered(columns: list[list[NodeId]], edges: list[tuple[NodeId, NodeId]],
             column_layer: list[str]) -> list[list[NodeId]]:
    neighbours = _neighbours(edges)
    best = [list(c) for c in columns]
    fewest = crossings(best, edges, column_layer)
    current = [list(c) for c in columns]
    for sweep in range(SWEEPS):
        indices = range(len(current)) if sweep % 2 == 0 else range(len(current) - 1, -1, -1)
        for ci in indices:
            _by_barycentre(current, ci, neighbours, left=sweep % 2 == 0)
        count = crossings(current, edges, column_layer)
        if count < fewest:
            best, fewest = [list(c) for c in current], count
    if len(edges) <= POLISHED_EDGES:
        _transpose(best, edges, column_layer)
    return best


def _by_barycentre(columns: list[list[NodeId]], ci: int,
                   neighbours: Mapping[NodeId, Sequence[NodeId]], left: bool) -> None:
    """Sort column `ci` by the mean relative height of each node's neighbours on one side
    (all sides when it has none there); a node without neighbours keeps its place."""
    where = {n: (c, (r + 0.5) / len(col)) for c, col in enumerate(columns)
             for r, n in enumerate(col)}
    column = columns[ci]

    def key(item: tuple[int, NodeId]) -> tuple[float, int]:
        r, node = item
        near = [where[n] for n in neighbours.get(node, ()) if n in where and where[n][0] != ci]
        side = [y for c, y in near if (c < ci) == left] or [y for _, y in near]
        own = (r + 0.5) / len(column)
        return (sum(side) / len(side) if side else own, r)

    column[:] = [n for _, n in sorted(enumerate(column), key=key)]


def crossings(columns: Sequence[Sequence[NodeId]], edges: Sequence[tuple[NodeId, NodeId]],
              column_layer: Sequence[str] = ()) -> int:
    """Pairs of edges whose straight lines cross, drawn from column to column at each node's
    height (rows spread evenly over the tallest column); edges within a layer are not lines."""
    tallest = max((len(c) for c in columns), default=1)
    pos = {}
    for c, column in enumerate(columns):
        offset = (tallest - len(column)) / 2
        for r, node in enumerate(column):
            pos[node] = (c, offset + r)
    same = (lambda a, b: column_layer[pos[a][0]] == column_layer[pos[b][0]]) if column_layer \
        else (lambda a, b: pos[a][0] == pos[b][0])
    lines = [(pos[a], pos[b]) for a, b in edges if a in pos and b in pos and not same(a, b)]
    count = 0
    for i, (p1, p2) in enumerate(lines):
        for q1, q2 in lines[i + 1:]:
            if {p1, p2} & {q1, q2}:
                continue
            if _cross(p1, p2, q1, q2):
                count += 1
    return count


def _cross(p1: tuple[float, float], p2: tuple[float, float], q1: tuple[float, float],
           q2: tuple[float, float]) -> bool:
    def turn(a, b, c) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = turn(q1, q2, p1), turn(q1, q2, p2)
    d3, d4 = turn(p1, p2, q1), turn(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def _transpose(columns: list[list[NodeId]], edges: Sequence[tuple[NodeId, NodeId]],
               column_layer: Sequence[str]) -> None:
    """Swap neighbours in a column while that removes crossings: a local polish after the
    barycentre sweeps. Only the lines at the two nodes are recounted for each swap (nodes
    as numbers: hashing NodeIds in the inner loop would dominate)."""
    tallest = max((len(c) for c in columns), default=1)
    index = {n: i for i, n in enumerate(n for col in columns for n in col)}
    pos = [(0.0, 0.0)] * len(index)
    for c, col in enumerate(columns):
        for r, n in enumerate(col):
            pos[index[n]] = (c, (tallest - len(col)) / 2 + r)
    lines = [(index[a], index[b]) for a, b in edges if a in index and b in index
             and column_layer[int(pos[index[a]][0])] != column_layer[int(pos[index[b]][0])]]
    at: dict[int, list[int]] = {}
    by_gap: dict[int, set[int]] = {}  # lines passing between column g and g + 1
    for i, (a, b) in enumerate(lines):
        at.setdefault(a, []).append(i)
        at.setdefault(b, []).append(i)
        left, right = sorted((int(pos[a][0]), int(pos[b][0])))
        for gap in range(left, right):
            by_gap.setdefault(gap, set()).add(i)
    # only lines that share a gap between columns can cross: the rest are never compared
    near = [set().union(*(by_gap[g] for g in range(*sorted((int(pos[a][0]), int(pos[b][0]))))))
            for a, b in lines]

    def local(u: int, v: int) -> int:
        mine = set(at.get(u, ())) | set(at.get(v, ()))
        count = 0
        for e in mine:
            a, b = lines[e]
            for f in near[e]:
                c, d = lines[f]
                if (f not in mine or e < f) and a != c and a != d and b != c and b != d \
                        and _cross(pos[a], pos[b], pos[c], pos[d]):
                    count += 1
        return count

    for _ in range(4):
        improved = False
        for column in columns:
            for r in range(len(column) - 1):
                u, v = index[column[r]], index[column[r + 1]]
                before = local(u, v)
                pos[u], pos[v] = pos[v], pos[u]
                if local(u, v) < before:
                    column[r], column[r + 1] = column[r + 1], column[r]
                    improved = True
                else:
                    pos[u], pos[v] = pos[v], pos[u]
        if not improved:
            break
