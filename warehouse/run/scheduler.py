"""Run a function over the selected part of a DAG with N threads; a failure skips what is below it.

Like SQLMesh's `concurrent_apply_to_dag`, and with dbt's rules for what a
failure means: a node starts once every selected node it depends on has
finished well; when one fails, every selected node downstream of it is
skipped with the name of the failure, and everything else goes on.

Unselected nodes are never run and never waited for on their own, but they
still carry order and failure through them: with a -> b -> c and only a and c
selected, c waits for a and is skipped if a fails, because c reads b and b
reads a. (That is why this walks the full graph rather than a subgraph.)

All callbacks (`on_event`, `on_skip`, `is_failure`) run one at a time on one
thread, so progress printing needs no lock: the calling thread, when `work` runs
on a pool's threads; with one thread, the run's own thread, where `work` runs
too, with no pool: handing each node to a worker and back cost a visible share
of a 1-thread build of small nodes (about 0.2 ms a node).
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from warehouse.core.dag import Dag
from warehouse.core.errors import UsageError
from warehouse.core.identity import NodeId

R = TypeVar("R")


class Status(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class NodeOutcome(Generic[R]):
    """How one selected node ended: its result, or the exception `work` raised."""

    node: NodeId
    status: Status
    result: R | None = None
    exception: BaseException | None = None
    elapsed: float = 0.0
    failed_ancestor: NodeId | None = None  # skipped: the failure that caused it
    reason: str = ""  # skipped: "skipped because model.a failed"

    @property
    def ok(self) -> bool:
        return self.status is Status.SUCCESS


class EventKind(StrEnum):
    STARTED = "started"
    FINISHED = "finished"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Event:
    """A progress line: `index` numbers nodes as they start (or are skipped), 1 to `total`.

    A node's `finished` event carries the same index as its `started` one,
    as dbt prints it, so lines can be matched even when nodes end out of order.
    """

    kind: EventKind
    node: NodeId
    index: int
    total: int
    outcome: NodeOutcome | None = None  # finished and skipped events

    @property
    def progress(self) -> str:
        return f"{self.index} of {self.total}"


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C: no new node was started; the running ones were let finish.

    Still a `KeyboardInterrupt`, so code that does not know about it stops as
    it would; code that does can report `outcomes` (the nodes that ended).
    """

    def __init__(self, outcomes: dict[NodeId, NodeOutcome]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes


def _never(result: object) -> bool:
    return False


def run_dag(dag: Dag, selected: Collection[NodeId], work: Callable[[NodeId], R], threads: int,
            on_event: Callable[[Event], None] | None = None,
            is_failure: Callable[[R], bool] = _never, *,
            on_skip: Callable[[NodeId, str], None] | None = None) -> dict[NodeId, NodeOutcome[R]]:
    """Call `work` once per selected node, parents first, up to `threads` at a time.

    A node whose `work` raises an `Exception`, or returns a result for which
    `is_failure` is true, is an error; the selected nodes below it are skipped.
    Returns an outcome per node that ended, in topological order: every
    selected node, unless interrupted (then `RunInterrupted` carries them).
    """
    if threads < 1:
        raise UsageError(f"threads must be at least 1, not {threads}")
    chosen = frozenset(selected)
    unknown = sorted(n for n in chosen if n not in dag)
    if unknown:
        raise KeyError(f"selected nodes not in the graph: {', '.join(map(str, unknown))}")
    if not chosen:
        return {}
    run = _Run(dag, chosen, on_event, on_skip)
    if threads == 1:
        interrupted = _run_inline(run, work, is_failure)
    else:
        interrupted = _run_pooled(run, work, is_failure, threads)
    outcomes = {n: run.outcomes[n] for n in dag.sort(run.outcomes)}
    if interrupted:
        raise RunInterrupted(outcomes)
    return outcomes


def _run_pooled(run: _Run, work: Callable[[NodeId], R], is_failure: Callable[[R], bool],
                threads: int) -> bool:
    """Up to `threads` nodes at a time on a pool; whether Ctrl-C stopped the run."""
    # (imported here: concurrent.futures and the logging it imports take about 3 ms, which a
    # one-thread run, `_run_inline`, does not need)
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="warehouse") as pool:
        running: dict[Future, tuple[NodeId, int]] = {}
        interrupted = False
        while True:
            while run.ready and len(running) < threads and not interrupted:
                node, index = run.start()
                running[pool.submit(_timed, work, node)] = (node, index)
            if not running:
                break
            try:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                interrupted = True
                continue
            for future in sorted(done, key=lambda f: running[f]):
                node, index = running.pop(future)
                try:
                    result, exc, elapsed = future.result()
                except BaseException as stop:  # KeyboardInterrupt raised inside work
                    result, exc, elapsed, interrupted = None, stop, 0.0, True
                run.finish(_outcome(node, result, exc, elapsed, is_failure), index)
    return interrupted


def _run_inline(run: _Run, work: Callable[[NodeId], R], is_failure: Callable[[R], bool]
                ) -> bool:
    """One node at a time, the whole run on one thread of its own (not one hand-off per
    node); whether Ctrl-C stopped the run. As with a pool, Ctrl-C lets the running node
    finish and starts no other: it reaches this (the main) thread, never the node's
    query, which DuckDB would turn into a query error while the run went on."""
    stop, done, began = threading.Event(), threading.Event(), threading.Event()
    raised: list[BaseException] = []

    def loop() -> None:
        began.set()
        try:
            while run.ready and not stop.is_set():
                node, index = run.start()
                try:
                    result, exc, elapsed = _timed(work, node)
                except BaseException as pressed:  # KeyboardInterrupt raised inside work
                    result, exc, elapsed = None, pressed, 0.0
                    stop.set()
                run.finish(_outcome(node, result, exc, elapsed, is_failure), index)
        except BaseException as exc:  # a callback's: raised again on the calling thread
            raised.append(exc)
        finally:
            done.set()

    try:
        threading.Thread(target=loop, name="warehouse-0", daemon=True).start()
        while True:
            try:
                if done.wait(0.5):
                    break
            except KeyboardInterrupt:
                stop.set()
    except KeyboardInterrupt:  # inside `start` (or just after): the thread may run all the same
        stop.set()
        if began.wait(1.0):  # (it did: its node ends before the caller closes what it uses)
            done.wait()
    if raised:
        raise raised[0]
    return stop.is_set()


def _outcome(node: NodeId, result: R | None, exc: BaseException | None, elapsed: float,
             is_failure: Callable[[R], bool]) -> NodeOutcome[R]:
    if exc is None and not is_failure(result):  # type: ignore[arg-type]
        return NodeOutcome(node, Status.SUCCESS, result, None, elapsed)
    return NodeOutcome(node, Status.ERROR, result, exc, elapsed)


def _timed(work: Callable[[NodeId], R], node: NodeId) -> tuple[R | None, Exception | None,
                                                               float]:
    began = time.perf_counter()
    try:
        return work(node), None, time.perf_counter() - began
    except Exception as exc:  # the node's error; the build goes on around it
        return None, exc, time.perf_counter() - began


class _Run:
    """The bookkeeping of one `run_dag` call, touched only by the calling thread."""

    def __init__(self, dag: Dag, chosen: frozenset[NodeId],
                 on_event: Callable[[Event], None] | None,
                 on_skip: Callable[[NodeId, str], None] | None) -> None:
        self.dag, self.chosen, self.total = dag, chosen, len(chosen)
        self.on_event, self.on_skip = on_event, on_skip
        # Only nodes on a path between selected nodes matter; the rest are done already.
        # (Every node selected, as in a cold build: no walk needed.)
        self.between = frozenset(dag) if len(chosen) == len(dag) else (
            dag.downstream(chosen) & dag.upstream(chosen))
        self.waiting = {n: sum(p in self.between for p in dag.parents(n)) for n in self.between}
        self.priority = _descendant_counts(dag, chosen, self.between)
        self.blame: dict[NodeId, NodeId] = {}  # node -> the failed node above it
        self.outcomes: dict[NodeId, NodeOutcome] = {}
        self.ready: list[tuple[int, NodeId]] = []
        self._count = 0
        self._settle([n for n, count in self.waiting.items() if count == 0])

    def number(self) -> int:
        self._count += 1
        return self._count

    def start(self) -> tuple[NodeId, int]:
        """The next ready node, numbered, with its `started` line emitted."""
        node = heapq.heappop(self.ready)[1]
        index = self.number()
        self.emit(Event(EventKind.STARTED, node, index, self.total))
        return node, index

    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def finish(self, outcome: NodeOutcome, index: int) -> None:
        self.outcomes[outcome.node] = outcome
        self.emit(Event(EventKind.FINISHED, outcome.node, index, self.total, outcome))
        if not outcome.ok:
            self.blame[outcome.node] = outcome.node
        self._release(outcome.node)

    def _release(self, node: NodeId) -> None:
        self._settle(self._free_children(node))

    def _free_children(self, node: NodeId) -> list[NodeId]:
        """Mark `node` done for its children (passing on its blame); those now free."""
        freed = []
        for child in self.dag.children(node):
            if child in self.between:
                if node in self.blame:
                    self.blame.setdefault(child, self.blame[node])
                self.waiting[child] -= 1
                if self.waiting[child] == 0:
                    freed.append(child)
        return freed

    def _settle(self, nodes: list[NodeId]) -> None:
        """Nodes whose parents are all done: queue them, or skip them, or (unselected) pass
        through at once; in topological order, so skipped lines come out in a stable order."""
        todo = [(self.dag.position(n), n) for n in nodes]
        heapq.heapify(todo)
        while todo:
            _, node = heapq.heappop(todo)
            if node in self.chosen and node not in self.blame:
                heapq.heappush(self.ready, (-self.priority[node], node))
                continue
            if node in self.chosen:
                self._skip(node, self.blame[node])
            for child in self._free_children(node):
                heapq.heappush(todo, (self.dag.position(child), child))

    def _skip(self, node: NodeId, failed: NodeId) -> None:
        reason = f"skipped because {failed} failed"
        outcome = NodeOutcome(node, Status.SKIPPED, failed_ancestor=failed, reason=reason)
        self.outcomes[node] = outcome
        self.emit(Event(EventKind.SKIPPED, node, self.number(), self.total, outcome))
        if self.on_skip is not None:
            self.on_skip(node, reason)


def _descendant_counts(dag: Dag, chosen: frozenset[NodeId],
                       between: frozenset[NodeId]) -> dict[NodeId, int]:
    """How many selected nodes wait on each node: start those first, so the pool stays busy.

    Sets of descendants as bits of Python ints: one OR per edge, so thousands of
    nodes cost milliseconds, where sets of NodeIds would be quadratic.
    """
    bit = {n: 1 << i for i, n in enumerate(chosen)}  # any order: only counts are read
    below: dict[NodeId, int] = {}
    for node in reversed(dag.topological_order()):
        if node not in between:
            continue
        acc = 0
        for child in dag.children(node):
            if child in between:
                acc |= below[child] | bit.get(child, 0)
        below[node] = acc
    return {n: below[n].bit_count() for n in chosen}
