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
from warehouse.core.nodes import ModelNode, Node


def model_error(project: Any, node: Node, exc: BaseException, *,
                incremental: bool = False) -> str:
    """The error text for `node`'s run, located in the file that holds the offending line."""
    from warehouse.compile.parse import map_position

    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    where = re.search(r"^LINE (\d+):", text, flags=re.M)
    if not isinstance(node, ModelNode) or not where or int(where.group(1)) <= 1:
        return f"{node.path}: {text}"
    line = int(where.group(1)) - 1
    sql = node.incremental_sql if incremental and node.incremental_sql else node.compiled_sql
    spans = node.incremental_spans if incremental else node.ephemeral_spans
    for name, start, end in spans:
        owner = project.nodes.get(NodeId(NodeKind.MODEL, name))
        if start <= line <= end and isinstance(owner, ModelNode):
            node, sql, line = owner, owner.compiled_sql, line - start + 1
            break
    mapped, _ = map_position(node.template, sql, line, 1)
    return f"{node.path}:{mapped}: {first}\n{caret_snippet(node.template, mapped, None)}"
