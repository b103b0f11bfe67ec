"""A database error while building a model, placed at the line of the file the user wrote.

DuckDB says `LINE n` of the statement that ran; the model's SQL starts on
the statement's second line (see `adapters.base`), so that is line n - 1 of
the SQL that ran: the model's compiled SQL, or its `is_incremental()` branch
when the run was incremental. If that line lies inside an ephemeral model
inlined as a CTE, the error belongs to the ephemeral model's file; otherwise
the rendered line is aligned back to the model's template.
"""

from __future__ import annotations

import re
from typing import Any

from warehouse.core.errors import caret_snippet
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node, SnapshotNode


def model_error(project: Any, node: Node, exc: BaseException, *,
                incremental: bool = False) -> str:
    """The error text for `node`'s run, located in the file that holds the offending line."""
    from warehouse.compile.parse import map_position

    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    where = re.search(r"^LINE (\d+):", text, flags=re.M)
    if not isinstance(node, (ModelNode, SnapshotNode)):
        return f"{node.path}: {text}"
    if not where or int(where.group(1)) <= 1:
        line = _line_naming(node.template, first)
        if line is None:
            return f"{node.path}: {text}"
        return f"{node.path}:{line}: {text}\n{caret_snippet(node.template, line, None)}"
    line = int(where.group(1)) - 1
    sql = node.incremental_sql if incremental and node.incremental_sql else node.compiled_sql
    spans = node.incremental_spans if incremental else node.ephemeral_spans
    for name, start, end, stripped in spans:
        owner = project.nodes.get(NodeId(NodeKind.MODEL, name))
        if start <= line <= end and isinstance(owner, ModelNode):
            node, sql, line = owner, owner.compiled_sql, line - start + 1 + stripped
            break
    mapped, _ = map_position(node.template, sql, line, 1)
    return f"{node.path}:{mapped}: {first}\n{caret_snippet(node.template, mapped, None)}"


def _line_naming(template: str, message: str) -> int | None:
    """The template line that writes a name the database's message quotes (a `unique_key`
    column the table lacks, say), when the message points at no line of its own."""
    for name in re.findall(r'"([A-Za-z_][\w$]*)"', message):
        found = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", template)
        if found:
            return template.count("\n", 0, found.start()) + 1
    return None
