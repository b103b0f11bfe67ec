"""A dependency cycle, shown where it is written: the `ref()` of each model in the loop.

The DAG knows the loop as node ids (`a -> b -> a`: each reads the one before);
a person fixes it in a file. Each model in the loop is looked up for its
`ref()` of the node before it, and the first is where the error points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from warehouse.core.dag import CycleError
from warehouse.core.errors import caret_snippet
from warehouse.core.identity import NodeId
from warehouse.core.nodes import ModelNode, Node, SnapshotNode


def located_cycle(exc: CycleError, nodes: Mapping[NodeId, Node]) -> CycleError:
    """`exc` with the file, line and snippet of the first `ref()` closing the loop, and
    every such `ref()` listed, so each place to cut it is named."""
    places = []
    for before, reader in zip(exc.cycle, exc.cycle[1:], strict=False):
        node = nodes.get(reader)
        if not isinstance(node, (ModelNode, SnapshotNode)):
            continue
        found = _ref_position(node.template, before.name)
        if found is not None:
            places.append((node, *found))
    if not places:
        return exc
    node, line, column, width = places[0]
    exc.path, exc.line, exc.column = node.path, line, column
    exc.snippet = caret_snippet(node.template, line, column, width)
    if len(places) > 1:
        exc.message += "; the ref()s that close it: " + ", ".join(
            f"{n.path}:{ln}" for n, ln, _c, _w in places)
    return exc


def _ref_position(template: str, name: str) -> tuple[int, int, int] | None:
    """(line, column, width) of `ref('name')` (any quotes, spacing or package) in the text."""
    quoted = r"['\"]" + re.escape(name) + r"['\"]"
    pattern = re.compile(r"ref\(\s*(?:['\"]\w+['\"]\s*,\s*)?" + quoted + r"\s*\)")
    match = pattern.search(template)
    if match is None:
        return None
    line = template.count("\n", 0, match.start()) + 1
    column = match.start() - (template.rfind("\n", 0, match.start()) + 1) + 1
    return line, column, match.end() - match.start()
