"""Nodes run one after another on one cursor committed together, each still built alone.

A model is one transaction, and in a build of many small models the commit
(writing the log, the transaction's bookkeeping) cost a tenth of the whole build.
With one thread the nodes run one at a time on the worker's one cursor, so a
run of them can share a transaction: a group opens at the first node that may
join it and commits after `MAX_NODES` nodes or `MAX_SECONDS`, before a node
that may not join (it runs on a cursor of its own, which must see the group's
work), and at the end of the run.

A failure inside a group aborts DuckDB's transaction and would take the group's
earlier nodes with it. So the group is rolled back, its nodes are run again in
the same order, each committed alone as without groups, and the failed node
runs again alone: what it leaves is what a run without groups leaves (its
relation as it was). A node run again is compared with what it reported the
first time; a difference (SQL whose result is not the same twice) is said in
the failed node's message, which stops the build from publishing anyway.

Only plain nodes join: table and view models and data tests on the worker's own
cursor (no hooks, no run-time rendering, no volatile function, no stored
failures, not refused at load). Seeds, snapshots, incremental and ephemeral
models, unit tests and the rest commit as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from warehouse.core.nodes import ModelNode, Node, SeedNode, TestNode
from warehouse.run.hooks import POST, PRE, hooks_of
from warehouse.run.results import NodeResult

MAX_NODES = 64
MAX_SECONDS = 0.5  # at most this much work is run twice after a failure


class CommitGroups:
    """The open group of one run. `enabled`: one thread (and a session that offers groups);
    `again(node, cursor)` runs a node alone, as the runner does, on the group's cursor."""

    def __init__(self, enabled: bool, again: Callable[[Node, Any], NodeResult]) -> None:
        self._enabled, self._again = enabled, again
        self._cursor: Any = None
        self._members: list[tuple[Node, NodeResult]] = []
        self._began = 0.0

    def prepare(self, node: Node) -> str:
        """Before `node` takes its cursor: commit the group if `node` may not join it or
        it is full (a node on another cursor sees only committed work). '' or, when the
        database refused the commit and the group's nodes did not run the same again, what
        differed (then `node` is not run: the build must not publish)."""
        if self._cursor is not None and (not joins(node) or self._full()):
            return "\n".join(self._commit())
        return ""

    def enter(self, node: Node, cursor: Any) -> None:
        """Open a group on `cursor` for `node` when none is open and `node` may join."""
        if (self._enabled and self._cursor is None and joins(node)
                and hasattr(cursor, "begin_group")):
            cursor.begin_group()
            self._cursor, self._began = cursor, time.perf_counter()

    def settle(self, node: Node, result: NodeResult) -> NodeResult:
        """`node`'s result, once it ran in the group (if one is open): kept as a member,
        or on failure the group rolled back and run again, then `node` alone."""
        if self._cursor is None:
            return result
        if result.status != "error":
            self._members.append((node, result))
            return result
        cursor, members = self._close()
        cursor.rollback_group()
        differences = self._run_again(members, cursor)
        result = self._again(node, cursor)
        if not differences:
            return result
        note = "\n".join(differences)
        message = f"{result.message}\n{note}" if result.message else note
        return replace(result, status="error", message=message)

    def finish(self) -> None:
        """Commit the last group (the run ended well)."""
        from warehouse.core.errors import ProjectError

        differences = self._commit()
        if differences:
            raise ProjectError("\n".join(differences))

    def _commit(self) -> list[str]:
        """Commit the open group. If the database refuses, the group is run again node by
        node, each committed alone; what did not give the same result again."""
        from warehouse.adapters.base import DatabaseError

        if self._cursor is None:
            return []
        cursor, members = self._close()
        try:
            cursor.commit_group()
        except DatabaseError as exc:
            cursor.rollback_group()
            differences = self._run_again(members, cursor)
            if differences:
                return [f"the nodes committed together could not be committed ({exc}):",
                        *differences]
        return []

    def _run_again(self, members: list[tuple[Node, NodeResult]], cursor: Any) -> list[str]:
        """Run each member again alone, in order; the ones whose result is not the same."""
        differences = []
        for node, first in members:
            second = self._again(node, cursor)
            if _outcome(second) != _outcome(first):
                differences.append(
                    f"{node.id} ran again after a failure in its commit group and gave "
                    f"{_said(second)} where it first gave {_said(first)}: its line above is "
                    "from the first run (its SQL does not give the same result twice)")
        return differences

    def _close(self) -> tuple[Any, list[tuple[Node, NodeResult]]]:
        cursor, members = self._cursor, self._members
        self._cursor, self._members = None, []
        return cursor, members

    def _full(self) -> bool:
        return (len(self._members) >= MAX_NODES
                or time.perf_counter() - self._began >= MAX_SECONDS)


def leaves_cursor_as_found(node: Node) -> bool:
    """Whether running `node` runs only the engine's own statements, so that it may run on
    the worker's kept cursor (WorkerCursors): no hook, no run-time rendering."""
    if getattr(node, "renders_at_run", False):
        return False
    if isinstance(node, ModelNode):
        return not (hooks_of(node, PRE) or hooks_of(node, POST))
    return isinstance(node, (SeedNode, TestNode))


def joins(node: Node) -> bool:
    """Whether `node` may run in a group (see the module's docstring): a node of the kept
    cursor that is no seed, with nothing volatile and not refused."""
    if not leaves_cursor_as_found(node) or isinstance(node, SeedNode):
        return False
    if getattr(node, "volatile", ()) or getattr(node, "refused", None) is not None:
        return False
    if isinstance(node, ModelNode):
        return node.materialized in ("table", "view")
    return not getattr(getattr(node, "config", None), "store_failures", False)


def _outcome(result: NodeResult) -> tuple[Any, ...]:
    return result.status, result.rows, result.failures


def _said(result: NodeResult) -> str:
    status, rows, failures = _outcome(result)
    counted = f"{rows} rows" if rows is not None else (
        f"{failures} failing rows" if failures is not None else "")
    return f"{status}" + (f" ({counted})" if counted else "")


class WorkerCursors:
    """One cursor per worker thread, kept from node to node: opening and closing one per
    node was a visible share of a build of many small nodes.

    A node whose SQL may change the cursor's own state (hooks, run-time renders,
    which run any statement; unit tests' temporary tables; snapshots) gets a cursor
    of its own, closed after it, and so does the next node after one that failed
    (its transaction may be left aborted)."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._mine = threading.local()
        self._kept: list[Any] = []
        self._lock = threading.Lock()

    def take(self, node: Node) -> Any:
        if not leaves_cursor_as_found(node):
            return self._session.cursor()
        cursor = getattr(self._mine, "cursor", None)
        if cursor is None:
            cursor = self._mine.cursor = self._session.cursor()
            with self._lock:
                self._kept.append(cursor)
        return cursor

    def give_back(self, cursor: Any, *, kept: bool) -> None:
        if cursor is not getattr(self._mine, "cursor", None):
            cursor.close()
        elif not kept:
            self._mine.cursor = None
            cursor.close()

    def close(self) -> None:
        """Every kept cursor (closing one twice is harmless in DuckDB)."""
        with self._lock:
            kept, self._kept = self._kept, []
        for cursor in kept:
            cursor.close()
