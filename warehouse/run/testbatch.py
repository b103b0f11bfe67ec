"""Tests of one model counted in one query; each still runs and reports on its own.

A build of many small models runs two or three tests on each (`unique`,
`not_null` ...). Each query costs the database a fixed price (parse, plan,
return) besides its work, and most tests pass. So the first test of a group to
run asks for every member's failing-row count at once (one query, a count per
test); a member whose count is 0 then passes without a query of its own, with
the same result as if it had run alone. A member with failures runs its own
query as before (its sample rows, `limit` and message come from there), and if
the shared query fails, every member runs alone and reports its own error.

A group is the tests that read the same nodes (so they become ready together,
and no other node of the run writes what they read in between), run in this
run, and are plain: rendered at load, no volatile function (one evaluation
each, as alone), no `store_failures` (its table is
written by the test's own query), no `fail_calc` of their own. Only sessions
that offer `test_counts` (DuckDB's) batch; others run every test alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from warehouse.core.identity import NodeId
from warehouse.core.nodes import TestNode


class TestBatches:
    """The run's groups of tests, and their counts once the first member has asked."""

    __test__ = False  # not a pytest class

    def __init__(self, project: Any, running: Iterable[NodeId]) -> None:
        groups: dict[tuple[NodeId, ...], list[TestNode]] = {}
        for node_id in running:
            node = project.nodes[node_id]
            if _plain(node):
                groups.setdefault(tuple(sorted(node.depends_on)), []).append(node)
        self._groups = {key: members for key, members in groups.items() if len(members) > 1}
        self._group_of = {n.id: key for key, members in self._groups.items() for n in members}
        self._locks = {key: threading.Lock() for key in self._groups}
        self._counts: dict[NodeId, int | None] = {}

    def known_to_pass(self, session: Any, node: Any) -> bool:
        """Whether `node`'s query is known to return no rows, from its group's count."""
        key = self._group_of.get(node.id)
        if key is None or not hasattr(session, "test_counts"):
            return False
        with self._locks[key]:
            if node.id not in self._counts:
                self._count(session, key)
            return self._counts.pop(node.id, None) == 0

    def _count(self, session: Any, key: tuple[NodeId, ...]) -> None:
        from warehouse.adapters.base import DatabaseError
        from warehouse.run.testrun import strip_sql

        members = self._groups[key]
        try:
            counts = session.test_counts([strip_sql(m.sql) for m in members])
        except DatabaseError:  # each member runs alone and reports its own error
            counts = [None] * len(members)
        self._counts.update(zip((m.id for m in members), counts, strict=True))


def _plain(node: Any) -> bool:
    """A test whose result a zero count decides (see the module's docstring)."""
    from warehouse.run.testrun import plain_count

    return (isinstance(node, TestNode) and not node.renders_at_run and not node.volatile
            and getattr(node, "refused", None) is None and plain_count(node))
