"""The project's lineage graph as an SVG: a column per layer, each node a link to its page.

Where each node goes is decided in layout.py (columns by layer, an order that
crosses few edges); this module only draws. The SVG scales to the width of its
box (the viewBox keeps its proportions), so the whole graph is seen at once;
site.js adds zoom and highlights a selected node's upstream and downstream,
reading the `data-from`/`data-to` of the edges. Without the script every node
is still a plain link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape

from warehouse.core.identity import NodeId
from warehouse.serve.docs.layout import arrange

COLORS = {"seed": "#16a34a", "source": "#64748b", "snapshot": "#0f766e", "staging": "#0891b2",
          "intermediate": "#d97706", "marts": "#7c3aed"}
PALETTE = ("#db2777", "#2563eb", "#65a30d", "#0d9488", "#9333ea", "#ea580c", "#475569",
           "#be123c", "#0369a1", "#a16207")  # for layers (model folders) named otherwise
BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN, HEAD = 214, 24, 60, 8, 16, 30


def lineage_svg(order: Sequence[NodeId], parents: Mapping[NodeId, Sequence[NodeId]],
                layer_of: Mapping[NodeId, str], href: Callable[[NodeId], str],
                describe: Mapping[NodeId, str] | None = None) -> str:
    """The whole graph; `layer_of` picks each node's column and colour, `href` its link."""
    if not order:
        return ""
    layout = arrange(order, parents, layer_of)
    tallest = max(len(c) for c in layout.columns)
    width = MARGIN * 2 + len(layout.columns) * BOX_W + (len(layout.columns) - 1) * GAP_X + 30
    height = MARGIN + HEAD + tallest * (BOX_H + GAP_Y) + MARGIN
    colors = layer_colors(layer_of.get(n, "") for n in order)
    at: dict[NodeId, tuple[float, float, int]] = {}
    for ci, column in enumerate(layout.columns):
        offset = (tallest - len(column)) * (BOX_H + GAP_Y) / 2
        for ri, node in enumerate(column):
            at[node] = (MARGIN + ci * (BOX_W + GAP_X), MARGIN + HEAD + offset
                        + ri * (BOX_H + GAP_Y), ci)
    out = [f'<svg class="lineage" id="lineage-graph" xmlns="http://www.w3.org/2000/svg" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'data-width="{width}" style="max-width: {width * 1.25:.0f}px" role="img" '
           f'aria-label="Lineage graph of the project" '
           f'font-family="system-ui, sans-serif" font-size="12">']
    out.append(_headers(layout.column_layer, colors))
    out.append('<g class="edges" fill="none" stroke="#94a3b8" stroke-width="1.2">')
    for node in order:
        for parent in parents.get(node, ()):
            if parent in at and node in at:
                out.append(_edge(parent, node, at[parent], at[node]))
    out.append('</g><g class="nodes">')
    describe = describe or {}
    for node in order:
        x, y, _ = at[node]
        layer = layer_of.get(node, "")
        color = colors[layer]
        label = node.name if len(node.name) <= 32 else node.name[:30] + "…"
        tip = f"{node.name} ({layer or node.kind.value})"
        if describe.get(node):
            tip += f": {_sentence(describe[node])}"
        out.append(f'<a class="node" href="{escape(href(node))}" data-node="{escape(str(node))}" '
                   f'data-layer="{escape(layer)}" data-tip="{escape(tip)}" '
                   f'aria-label="{escape(node.name)}">'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="5" '
                   f'fill="{color}" fill-opacity="0.12" stroke="{color}" stroke-width="1.5"/>'
                   f'<text x="{x + 8:.1f}" y="{y + BOX_H / 2 + 4:.1f}" fill="#0f172a">'
                   f'{escape(label)}</text></a>')
    out.append("</g></svg>")
    return "".join(out)


def _edge(parent: NodeId, node: NodeId, a: tuple[float, float, int],
          b: tuple[float, float, int]) -> str:
    """A curve from the parent's right side to the child's left; within one column, an arc
    on the column's right."""
    (ax, ay, ac), (bx, by, bc) = a, b
    y1, y2 = ay + BOX_H / 2, by + BOX_H / 2
    if ac == bc:
        x = ax + BOX_W
        bulge = x + min(GAP_X - 8, 14 + abs(y2 - y1) / 6)
        d = f"M{x:.1f},{y1:.1f} C{bulge:.1f},{y1:.1f} {bulge:.1f},{y2:.1f} {x:.1f},{y2:.1f}"
    elif ac < bc:
        x1, x2 = ax + BOX_W, bx
        mid = (x1 + x2) / 2
        d = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    else:  # a layer that reads one drawn right of it: from the parent's left side
        x1, x2 = ax, bx + BOX_W
        mid = (x1 + x2) / 2
        d = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    return f'<path data-from="{escape(str(parent))}" data-to="{escape(str(node))}" d="{d}"/>'


def _headers(column_layer: Sequence[str], colors: Mapping[str, str]) -> str:
    """The layer's name over its first column (a layer may wrap into several)."""
    out = ['<g class="layer-heads" font-weight="600">']
    seen: set[str] = set()
    for ci, layer in enumerate(column_layer):
        if layer in seen:
            continue
        seen.add(layer)
        x = MARGIN + ci * (BOX_W + GAP_X)
        out.append(f'<text x="{x + 2}" y="{MARGIN + 12}" fill="{colors.get(layer, "#475569")}">'
                   f'{escape(layer or "other")}</text>')
    out.append("</g>")
    return "".join(out)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    cut = text.find(". ")
    return text[:cut + 1] if 0 < cut < 240 else text[:240]


def layer_rank(layer: str) -> tuple[int, str]:
    """The usual layers in the order data flows through them; others after, by name."""
    ranks = list(COLORS)
    return (ranks.index(layer) if layer in ranks else len(ranks), layer)


def layer_colors(names: Iterable[str]) -> dict[str, str]:
    """A colour per layer: the usual layers keep theirs, others take the palette's in turn."""
    ordered = sorted(set(names), key=layer_rank)
    others = iter(PALETTE * (1 + len(ordered) // len(PALETTE)))
    return {name: COLORS[name] if name in COLORS else next(others) for name in ordered}
