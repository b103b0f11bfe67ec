"""The text of a run's progress: one line per node, its label, what it is and how it went.

`1 of 12 OK    table marts.fct_trade ........ [24 rows in 0.03s]`. Pure
functions of a node and its result, printed through `core.console.Console`.

Nodes the run leaves alone (unchanged seeds and models, tests whose stored
pass stands) get no line of their own unless `--show-unchanged` asks: a
rebuild of one model in a project of thousands prints the few lines that
matter and one line counting the rest. When listed, an unchanged node is
`SAME`, and `SKIP` means only "not run because something upstream failed".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warehouse.core.console import Console
from warehouse.core.nodes import ModelNode, Node, SeedNode, SnapshotNode, TestNode
from warehouse.run.results import NodeResult

_LABELS = {"success": "OK", "error": "ERROR", "skipped": "SKIP", "pass": "PASS",
           "warn": "WARN", "fail": "FAIL", "unchanged": "SAME"}


def print_result(console: Console, project: Any, index: int, total: int,
                 result: NodeResult) -> None:
    """The node's line, and under it the message of anything that did not simply succeed."""
    console.node(index, total, label(result), what(project.nodes[result.node_id]),
                 detail(result), result.elapsed)
    if result.message and result.status != "success":
        console.block(result.message)


def shown(result: NodeResult, options: Any) -> bool:
    """Whether the node gets a line: always if it ran, failed, was skipped or warns."""
    if getattr(options, "show_unchanged", False):
        return True
    return not (result.status == "unchanged"
                or (result.detail.get("reused") and result.status == "pass"))


def hidden_note(results: Sequence[NodeResult], options: Any) -> str:
    """The line counting the nodes `shown` left out; '' when none were."""
    hidden = [r for r in results if not shown(r, options)]
    if not hidden:
        return ""
    same = sum(r.status == "unchanged" for r in hidden)
    tests = len(hidden) - same
    parts = [f"{same} unchanged seeds and models"] if same else []
    parts += [f"{tests} tests that passed on the same data"] if tests else []
    return f"Not run: {' and '.join(parts)} (--show-unchanged lists them)."


def label(result: NodeResult) -> str:
    return _LABELS[result.status]


def summary_label(result: NodeResult) -> str:
    """Skipped because unchanged is counted apart from skipped because upstream failed."""
    return "UNCHANGED" if result.status == "unchanged" else label(result)


def what(node: Node) -> str:
    if node.materialized == "unit_test":
        return f"unit test {node.model}.{node.name}"
    if isinstance(node, TestNode):
        return f"test {node.name}"
    if isinstance(node, SeedNode):
        return f"seed {node.relation}"
    if isinstance(node, SnapshotNode):
        return f"snapshot {node.relation}"
    assert isinstance(node, ModelNode)
    return f"{node.materialized} {node.relation}" if node.materialized != "ephemeral" else (
        f"ephemeral {node.name}")


def detail(result: NodeResult) -> str:
    if result.status in ("skipped", "unchanged"):
        return result.status
    if result.detail.get("reused"):
        failures = result.failures or 0
        return (f"{failures} failing rows" if failures else "0 failures") + ", stored result"
    if result.detail.get("kind") == "unit test" and result.status in ("pass", "fail"):
        return "rows as expected" if result.status == "pass" else f"{result.failures} rows differ"
    if result.status == "error":
        return "error"
    if result.failures is not None:
        return f"{result.failures} failing rows" if result.failures else "0 failures"
    if result.rows is None:
        return result.detail.get("kind", "done")
    extra = result.detail.get("note")
    return f"{result.rows} rows" + (f", {extra}" if extra else "")
