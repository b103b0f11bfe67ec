"""`warehouse lineage MODEL[.COLUMN]`: a model's neighbours, or a column's sources, as text or JSON.

`MODEL` (a name, or the relation it builds: `marts.fct_trade`) prints what
the model reads (upstream) and what reads it (downstream) as indented trees.
`MODEL.COLUMN` follows the column's sources down to the seeds and sources the
data enters by. Names are matched as
written; an unknown one is a usage error that suggests the closest names.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from warehouse.core.errors import UsageError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.serve.lineage import DATA_KINDS, ColumnRef, TreeNode, column_tree, model_tree


def resolve(project: Any, text: str) -> tuple[NodeId, str | None]:
    """The node (model, seed or source) and column named by `MODEL` or `MODEL.COLUMN`.

    Source names hold a dot themselves (`crm.orders`), so the whole text is
    tried as a node name first, then everything before the last dot.
    """
    by_name = _nodes_by_name(project)
    if text in by_name:
        return by_name[text], None
    head, dot, column = text.rpartition(".")
    if dot and head in by_name:
        return by_name[head], column
    wanted = head if dot else text
    names = list(by_name)
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    close = close or difflib.get_close_matches(text, names, n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "see `warehouse ls` for the names"
    raise UsageError(f"no model, seed or source is named {wanted!r}", hint=hint)


def _nodes_by_name(project: Any) -> dict[str, NodeId]:
    """Each node by its name, then by the relation it builds (`marts.fct_trade`, as a query
    names it) where that is not already some node's name."""
    out: dict[str, NodeId] = {}
    data = [n for n in project.dag.topological_order() if n.kind in DATA_KINDS]
    for node_id in data:
        out.setdefault(node_id.name, node_id)
    for node_id in data:
        relation = getattr(project.nodes.get(node_id), "relation", None)
        if relation is not None and node_id.kind is not NodeKind.SOURCE:
            out.setdefault(str(relation), node_id)
    return out


def check_column(node: NodeId, column: str, known: tuple[str, ...]) -> str:
    """The column as the node spells it, or a usage error suggesting close names."""
    for name in known:
        if name.lower() == column.lower():
            return name
    close = difflib.get_close_matches(column.lower(), [k.lower() for k in known], n=3, cutoff=0.6)
    spelled = [next(k for k in known if k.lower() == c) for c in close]
    hint = (f"did you mean {', '.join(spelled)}?" if spelled
            else f"its columns are: {', '.join(known)}" if known
            else "its columns are not known: run `warehouse build`")
    raise UsageError(f"{node.kind.value} {node.name!r} has no column {column!r}", hint=hint)


def command(project: Any, args: Any) -> int:
    from warehouse.serve.docs.catalog import load_catalog
    from warehouse.serve.lineage import lineage_for_project

    node, column = resolve(project, args.node)
    as_json = getattr(args, "output", "text") == "json"
    if column is None:
        up = model_tree(project.dag, node, upstream=True)
        down = model_tree(project.dag, node, upstream=False)
        if as_json:
            print(json.dumps({"unique_id": str(node), "upstream": up.to_json()["children"],
                              "downstream": down.to_json()["children"]}, indent=2))
        else:
            print(f"{node.name} ({node.kind.value})")
            print("upstream (what it reads):")
            print(_tree_text(up.children) or "  (nothing: data enters here)")
            print("downstream (what reads it):")
            print(_tree_text(down.children) or "  (nothing reads it)")
        return 0
    built_columns = load_catalog(project).column_names()
    lineages = lineage_for_project(project, built_columns)
    known = _columns_of(project, node, lineages, built_columns)
    tree = column_tree(lineages, ColumnRef(node, check_column(node, column, known)))
    if as_json:
        print(json.dumps(tree.to_json(), indent=2))
    else:
        print(_label(tree))
        print(_tree_text(tree.children) or "  (no upstream column)")
    return 0


def _columns_of(project: Any, node: NodeId, lineages: Any, built_columns: Any
                ) -> tuple[str, ...]:
    if node in lineages and lineages[node].columns:
        return tuple(c.column for c in lineages[node].columns)
    from warehouse.serve.lineage import known_columns

    return known_columns({node: project.nodes[node]}, project.config.root,
                         built_columns).get(node, ())


def _label(tree: TreeNode) -> str:
    name = tree.node.name if tree.column is None else f"{tree.node.name}.{tree.column}"
    text = f"{name} ({tree.node.kind.value})"
    if tree.column is not None and tree.status != "known" and tree.node.kind.value == "model":
        text += f" [{tree.status}{': ' + tree.note if tree.note else ''}]"
    if tree.repeat:
        text += " (shown above)"
    return text


def _tree_text(children: tuple[TreeNode, ...], prefix: str = "  ") -> str:
    lines: list[str] = []
    for i, child in enumerate(children):
        last = i == len(children) - 1
        lines.append(f"{prefix}{'└── ' if last else '├── '}{_label(child)}")
        sub = _tree_text(child.children, prefix + ("    " if last else "│   "))
        if sub:
            lines.append(sub)
    return "\n".join(lines)
