"""`warehouse compile` and `warehouse ls`: the nodes a selection picks, written out as SQL
or listed, and what every command says when a selection picks nothing.

They run nothing: the published state is read only when a `state:` or `result:`
selector needs it (`runner.selected_nodes`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def compile_command(project: Any, args: Any) -> int:
    from warehouse.core.identity import NodeKind
    from warehouse.core.nodes import ModelNode, SnapshotNode, TestNode
    from warehouse.run.results import RunOptions
    from warehouse.run.runner import selected_nodes

    options = RunOptions(command="build", select=args.select, exclude=args.exclude)
    chosen = [n for n in selected_nodes(project, options, _warnings())
              if n.kind is not NodeKind.SEED]
    if not chosen and (args.select or args.exclude):
        return nothing_selected(args)
    out_dir = project.target_path / "compiled"
    for node_id in chosen:
        node = project.nodes[node_id]
        built = isinstance(node, (ModelNode, SnapshotNode))
        sql = node.compiled_sql if built else node.sql
        rel = node.path if isinstance(node, ModelNode) else f"tests/{node.name}.sql"
        if isinstance(node, SnapshotNode):  # (a file may hold several, or be YAML)
            rel = f"{Path(node.path).with_suffix('')}/{node.name}.sql"
        if isinstance(node, TestNode) and node.test_name is None:
            rel = node.path
        if getattr(node, "renders_at_run", False):  # its SQL reads the database
            sql = ("-- rendered without a database (`execute` false, as dbt parses): the SQL "
                   "that runs is rendered again when it runs\n" + sql)
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sql, encoding="utf-8")
        if args.print_sql or (args.select and len(chosen) == 1):
            print(f"-- {node_id} ({node.path})\n{sql.strip()}\n")
    print(f"compiled {len(chosen)} nodes into {out_dir}", file=sys.stderr)
    return 0


def ls_command(project: Any, args: Any) -> int:
    from warehouse.run.results import RunOptions
    from warehouse.run.runner import selected_nodes

    options = RunOptions(command="build", select=args.select, exclude=args.exclude)
    chosen = selected_nodes(project, options, _warnings())
    if args.resource_type:
        chosen = [n for n in chosen if n.kind.value == args.resource_type]
    if not chosen and (args.select or args.exclude or args.resource_type):
        return nothing_selected(args)
    for node_id in chosen:
        node = project.nodes[node_id]
        if args.output == "json":
            print(json.dumps({"unique_id": str(node_id), "name": node.name, "path": node.path,
                              "resource_type": node_id.kind.value}))
        else:
            print({"id": str(node_id), "name": node.name, "path": node.path}[args.output])
    return 0


def _warnings() -> Any:
    """Where selection warnings go for commands whose output is the listing: stderr."""
    from warehouse.core.console import Console

    return Console(sys.stderr)


def nothing_selected(args: Any) -> int:
    """A selection that picks nothing is most often a typo: say so, and exit 1 (as grep
    does when nothing matches) so that a script notices."""
    what = " ".join([*(["--select", *args.select] if args.select else []),
                     *(["--exclude", *args.exclude] if args.exclude else [])])
    kind = getattr(args, "resource_type", None)
    picks = f"no {kind}" if kind else "nothing"
    print(f"warning: {what or '--resource-type ' + str(kind)} picks {picks} for "
          f"`{args.command}`: nothing was done (see `warehouse ls` for the nodes)",
          file=sys.stderr)
    return 1
