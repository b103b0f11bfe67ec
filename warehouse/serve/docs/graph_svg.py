"""The project's lineage graph as an SVG: layers left to right, each node a link to its page.

A node's layer is the length of the longest path to it from a seed or source,
so every edge points right. Within a layer nodes are ordered by the mean
position of their parents (a few barycentre sweeps down and up), which keeps
most edges short and uncrossed without a layout library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from warehouse.core.identity import NodeId

COLORS = {"seed": "#16a34a", "source": "#64748b", "staging": "#0891b2",
          "intermediate": "#d97706", "marts": "#7c3aed"}
PALETTE = ("#db2777", "#2563eb", "#65a30d", "#0d9488", "#9333ea", "#ea580c", "#475569",
           "#be123c", "#0369a1", "#a16207")  # for layers (model folders) named otherwise
BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 182, 24, 46, 8, 16


@dataclass(frozen=True)
class Placed:
    node: NodeId
    x: float
    y: float


def layers(order: Sequence[NodeId], parents: Mapping[NodeId, Sequence[NodeId]]
           ) -> list[list[NodeId]]:
    """Nodes by longest-path depth, each layer ordered to reduce crossings."""
    depth: dict[NodeId, int] = {}
    for node in order:
        depth[node] = 1 + max((depth[p] for p in parents.get(node, ()) if p in depth),
                              default=-1)
    out: list[list[NodeId]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in order:
        out[depth[node]].append(node)
    children: dict[NodeId, list[NodeId]] = {n: [] for n in order}
    for node in order:
        for p in parents.get(node, ()):
            if p in children:
                children[p].append(node)
    for _ in range(3):
        for layer_index in range(1, len(out)):
            _sort_by(out[layer_index], out[layer_index - 1], parents)
        for layer_index in range(len(out) - 2, -1, -1):
            _sort_by(out[layer_index], out[layer_index + 1], children)
    return out


def _sort_by(layer: list[NodeId], neighbour_layer: list[NodeId],
             neighbours: Mapping[NodeId, Sequence[NodeId]]) -> None:
    pos = {n: i for i, n in enumerate(neighbour_layer)}

    def centre(item: tuple[int, NodeId]) -> tuple[float, int]:
        i, node = item
        near = [pos[n] for n in neighbours.get(node, ()) if n in pos]
        return (sum(near) / len(near) if near else float(i), i)

    layer[:] = [n for _, n in sorted(enumerate(layer), key=centre)]


def lineage_svg(order: Sequence[NodeId], parents: Mapping[NodeId, Sequence[NodeId]],
                layer_of: Mapping[NodeId, str], href: Callable[[NodeId], str],
                describe: Mapping[NodeId, str] | None = None) -> str:
    """The whole graph; `layer_of` picks each node's colour, `href` its link."""
    if not order:
        return ""
    columns = layers(order, parents)
    tallest = max(len(c) for c in columns)
    width = MARGIN * 2 + len(columns) * BOX_W + (len(columns) - 1) * GAP_X
    height = MARGIN * 2 + tallest * (BOX_H + GAP_Y) + 40
    colors = layer_colors(layer_of.get(n, "") for n in order)
    placed: dict[NodeId, Placed] = {}
    for ci, column in enumerate(columns):
        offset = (tallest - len(column)) * (BOX_H + GAP_Y) / 2
        for ri, node in enumerate(column):
            placed[node] = Placed(node, MARGIN + ci * (BOX_W + GAP_X),
                                  MARGIN + offset + ri * (BOX_H + GAP_Y))
    out = [f'<svg class="lineage" id="lineage-graph" xmlns="http://www.w3.org/2000/svg" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="Lineage graph of the project" font-family="system-ui, sans-serif" '
           f'font-size="11.5">', '<g class="edges" fill="none" stroke="#94a3b8" '
           'stroke-width="1.1" stroke-opacity="0.8">']
    for node in order:
        for parent in parents.get(node, ()):
            if parent in placed and node in placed:
                a, b = placed[parent], placed[node]
                x1, y1 = a.x + BOX_W, a.y + BOX_H / 2
                x2, y2 = b.x, b.y + BOX_H / 2
                mid = (x1 + x2) / 2
                out.append(f'<path data-from="{escape(str(parent))}" data-to="{escape(str(node))}"'
                           f' d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} '
                           f'{x2:.1f},{y2:.1f}"/>')
    out.append('</g><g class="nodes">')
    describe = describe or {}
    for node in order:
        p = placed[node]
        color = colors[layer_of.get(node, "")]
        label = node.name if len(node.name) <= 28 else node.name[:26] + "…"
        tip = f"{node} ({layer_of.get(node, '')})"
        if describe.get(node):
            tip += f": {describe[node][:300]}"
        out.append(f'<a class="node" href="{escape(href(node))}" data-node="{escape(str(node))}">'
                   f'<title>{escape(tip)}</title>'
                   f'<rect x="{p.x:.1f}" y="{p.y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="5" '
                   f'fill="{color}" fill-opacity="0.12" stroke="{color}" stroke-width="1.5"/>'
                   f'<text x="{p.x + 8:.1f}" y="{p.y + BOX_H / 2 + 4:.1f}" fill="#0f172a">'
                   f'{escape(label)}</text></a>')
    out.append("</g>")
    out.append(_legend(colors, height - 26))
    out.append("</svg>")
    return "".join(out)


def layer_rank(layer: str) -> tuple[int, str]:
    ranks = list(COLORS)
    return (ranks.index(layer) if layer in ranks else len(ranks), layer)


def layer_colors(names: Iterable[str]) -> dict[str, str]:
    """A colour per layer, in legend order: the usual layers keep theirs, others take the
    palette's in turn."""
    ordered = sorted(set(names), key=layer_rank)
    others = iter(PALETTE * (1 + len(ordered) // len(PALETTE)))
    return {name: COLORS[name] if name in COLORS else next(others) for name in ordered}


def _legend(colors: Mapping[str, str], y: float) -> str:
    out = [f'<g class="legend" transform="translate({MARGIN},{y})">']
    x = 0
    for name, color in colors.items():
        out.append(f'<rect x="{x}" y="0" width="14" height="14" rx="3" fill="{color}" '
                   f'fill-opacity="0.12" stroke="{color}" stroke-width="1.5"/>'
                   f'<text x="{x + 20}" y="11">{escape(name or "other")}</text>')
        x += 30 + 8 * len(name or "other")
    out.append("</g>")
    return "".join(out)
