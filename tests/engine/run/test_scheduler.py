"""The scheduler: parents first, failures skip exactly what is below them, threads overlap."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from warehouse.core.dag import Dag
from warehouse.core.errors import UsageError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.run.scheduler import EventKind, RunInterrupted, Status, run_dag


def m(name: str) -> NodeId:
    return NodeId(NodeKind.MODEL, name)


def dag(edges: dict[str, str]) -> Dag:
    parents: dict[NodeId, list[NodeId]] = {}
    for child, ps in edges.items():
        parents.setdefault(m(child), []).extend(m(p) for p in ps.split())
        for p in ps.split():
            parents.setdefault(m(p), [])
    return Dag(parents)


def names(nodes) -> list[str]:
    return [n.name for n in nodes]


class Recorder:
    """A `work` function that logs calls, fails or sleeps on request."""

    def __init__(self, fail: tuple[str, ...] = (), sleep: float = 0.0) -> None:
        self.fail, self.sleep = fail, sleep
        self.calls: list[str] = []
        self.spans: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def __call__(self, node: NodeId) -> str:
        began = time.perf_counter()
        with self.lock:
            self.calls.append(node.name)
        if self.sleep:
            time.sleep(self.sleep)
        if node.name in self.fail:
            raise RuntimeError(f"{node.name} broke")
        with self.lock:
            self.spans[node.name] = (began, time.perf_counter())
        return f"built {node.name}"


# a -> b -> c -> f;  a -> d;  e alone
GRAPH = {"b": "a", "c": "b", "f": "c", "d": "a", "e": ""}


def test_runs_every_selected_node_once_parents_first():
    graph = dag(GRAPH)
    work = Recorder()
    outcomes = run_dag(graph, list(graph), work, threads=3)
    assert sorted(work.calls) == ["a", "b", "c", "d", "e", "f"]
    assert all(o.status is Status.SUCCESS and o.ok for o in outcomes.values())
    assert outcomes[m("c")].result == "built c"
    assert list(outcomes) == list(graph.topological_order())
    for node in graph:
        for parent in graph.parents(node):
            assert work.spans[parent.name][1] <= work.spans[node.name][0]


def test_dispatch_is_deterministic_and_prefers_nodes_with_more_descendants():
    graph = dag({"y": "z", "x": "y", "a": ""})  # z -> y -> x; a alone
    orders = set()
    for _ in range(3):
        work = Recorder()
        run_dag(graph, list(graph), work, threads=1)
        orders.add(tuple(work.calls))
    # z (2 below it) before a (none) though a sorts first; then y (1) before a; ties by id
    assert orders == {("z", "y", "a", "x")}
    work = Recorder()
    run_dag(dag(GRAPH), list(dag(GRAPH)), work, threads=1)
    assert work.calls == ["a", "b", "c", "d", "e", "f"]


def test_failure_skips_exactly_the_descendants_and_siblings_go_on():
    graph = dag(GRAPH)
    work = Recorder(fail=("b",))
    outcomes = run_dag(graph, list(graph), work, threads=2)
    status = {n.name: o.status.value for n, o in outcomes.items()}
    assert status == {"a": "success", "b": "error", "c": "skipped", "f": "skipped",
                      "d": "success", "e": "success"}
    assert sorted(work.calls) == ["a", "b", "d", "e"]
    error = outcomes[m("b")]
    assert isinstance(error.exception, RuntimeError) and str(error.exception) == "b broke"
    for skipped in ("c", "f"):  # f names the failure, not its skipped parent
        assert outcomes[m(skipped)].failed_ancestor == m("b")
        assert outcomes[m(skipped)].reason == "skipped because model.b failed"


def test_is_failure_makes_a_returned_result_an_error_and_keeps_it():
    graph = dag({"b": "a"})
    outcomes = run_dag(graph, list(graph), lambda n: {"rows": -1, "name": n.name}, threads=1,
                       is_failure=lambda r: r["name"] == "a")
    assert outcomes[m("a")].status is Status.ERROR
    assert outcomes[m("a")].result == {"rows": -1, "name": "a"}
    assert outcomes[m("a")].exception is None
    assert outcomes[m("b")].status is Status.SKIPPED


def test_parents_that_are_not_selected_count_as_done():
    graph = dag(GRAPH)
    work = Recorder()
    outcomes = run_dag(graph, [m("c"), m("e")], work, threads=2)
    assert sorted(work.calls) == ["c", "e"]
    assert set(outcomes) == {m("c"), m("e")}


def test_order_and_failure_pass_through_unselected_nodes():
    graph = dag(GRAPH)
    work = Recorder(sleep=0.02)
    run_dag(graph, [m("a"), m("c")], work, threads=2)
    assert work.spans["a"][1] <= work.spans["c"][0], "c reads b, which reads a"
    outcomes = run_dag(graph, [m("a"), m("c"), m("e")], Recorder(fail=("a",)), threads=2)
    assert outcomes[m("c")].status is Status.SKIPPED
    assert outcomes[m("c")].failed_ancestor == m("a")
    assert outcomes[m("e")].status is Status.SUCCESS


def test_two_independent_nodes_overlap_with_two_threads():
    graph = dag({"x": "", "y": ""})
    work = Recorder(sleep=0.2)
    run_dag(graph, list(graph), work, threads=2)
    (x_start, x_end), (y_start, y_end) = work.spans["x"], work.spans["y"]
    assert x_start < y_end and y_start < x_end, "each started before the other ended"
    work = Recorder(sleep=0.05)
    run_dag(graph, list(graph), work, threads=1)
    (x_start, x_end), (y_start, y_end) = work.spans["x"], work.spans["y"]
    assert x_end <= y_start, "one thread: one after the other"


def test_events_number_nodes_and_run_on_the_calling_thread():
    graph = dag(GRAPH)
    events, skips, threads_seen = [], [], set()

    def on_event(event):
        threads_seen.add(threading.get_ident())
        events.append(event)

    run_dag(graph, list(graph), Recorder(fail=("c",)), threads=2, on_event=on_event,
            on_skip=lambda node, reason: skips.append((node.name, reason)))
    assert threads_seen == {threading.get_ident()}
    started = {e.node: e.index for e in events if e.kind is EventKind.STARTED}
    finished = {e.node: e.index for e in events if e.kind is EventKind.FINISHED}
    skipped = {e.node: e.index for e in events if e.kind is EventKind.SKIPPED}
    assert started == finished, "a node's finished line repeats its started index"
    assert set(skipped) == {m("f")}
    assert sorted([*started.values(), *skipped.values()]) == [1, 2, 3, 4, 5, 6]
    assert {e.total for e in events} == {6}
    first = events[0]
    assert first.kind is EventKind.STARTED and first.progress == "1 of 6"
    ends = [e for e in events if e.kind is not EventKind.STARTED]
    assert all(e.outcome is not None and e.outcome.node == e.node for e in ends)
    assert skips == [("f", "skipped because model.c failed")]
    order = [(e.kind, e.node) for e in events]
    for node in started:
        assert order.index((EventKind.STARTED, node)) < order.index((EventKind.FINISHED, node))


def test_keyboard_interrupt_stops_new_work_and_reports_what_ended():
    graph = dag({"a": "", "b": "", "c": "", "d": ""})

    def work(node):
        if node.name == "b":
            raise KeyboardInterrupt
        return node.name

    with pytest.raises(KeyboardInterrupt) as info:
        run_dag(graph, list(graph), work, threads=1)
    assert isinstance(info.value, RunInterrupted)
    ended = {n.name: o.status.value for n, o in info.value.outcomes.items()}
    assert ended == {"a": "success", "b": "error"}


def test_bad_arguments():
    graph = dag(GRAPH)
    with pytest.raises(UsageError, match="threads"):
        run_dag(graph, list(graph), Recorder(), threads=0)
    with pytest.raises(KeyError, match="model.nope"):
        run_dag(graph, [m("nope")], Recorder(), threads=1)
    assert run_dag(graph, [], Recorder(), threads=2) == {}


def test_thousands_of_nodes():
    nodes = [m(f"n{i:04d}") for i in range(3000)]
    parents = {n: [nodes[j] for j in (i - 1, i - 13, i - 400) if j >= 0]
               for i, n in enumerate(nodes)}
    graph = Dag(parents)
    outcomes = run_dag(graph, nodes[::2], lambda n: None, threads=4,
                       is_failure=lambda r: False)
    assert len(outcomes) == 1500 and all(o.ok for o in outcomes.values())
    outcomes = run_dag(graph, nodes, lambda n: n.name == "n1500" and 1 / 0, threads=4)
    assert sum(o.status is Status.SKIPPED for o in outcomes.values()) == 1499
    assert names(n for n, o in outcomes.items() if o.status is Status.ERROR) == ["n1500"]


@pytest.fixture
def python_sigint():
    """Ctrl-C as Python answers it by default (KeyboardInterrupt in the main thread), whatever
    an earlier test or library in this process installed; put back afterwards."""
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield before
    finally:
        signal.signal(signal.SIGINT, before)


def test_ctrl_c_while_waiting_lets_running_nodes_finish_and_starts_no_more(python_sigint):
    graph = dag({"a": "", "b": "", "c": "", "d": ""})
    main, sent = threading.get_ident(), threading.Event()
    calls = []

    def press_ctrl_c():
        signal.pthread_kill(main, signal.SIGINT)
        sent.set()

    def work(node):  # a and b are running when Ctrl-C comes, and end after it
        calls.append(node.name)
        assert sent.wait(10)
        time.sleep(0.1)
        return node.name

    threading.Timer(0.05, press_ctrl_c).start()
    with pytest.raises(RunInterrupted) as info:
        run_dag(graph, list(graph), work, threads=2)
    assert sorted(calls) == ["a", "b"]
    assert {n.name: o.status.value for n, o in info.value.outcomes.items()} == {
        "a": "success", "b": "success"}


def test_one_thread_runs_work_and_callbacks_on_one_thread_of_its_own():
    graph = dag(GRAPH)
    seen = set()

    def work(node):
        seen.add(threading.get_ident())
        return node.name

    outcomes = run_dag(graph, list(graph), work, threads=1,
                       on_event=lambda event: seen.add(threading.get_ident()))
    assert len(seen) == 1 and seen != {threading.get_ident()}, "not the main thread: Ctrl-C"
    assert all(o.ok for o in outcomes.values())


def test_a_callback_error_at_one_thread_reaches_the_caller():
    def on_event(event):
        raise BrokenPipeError("stdout closed")

    with pytest.raises(BrokenPipeError):
        run_dag(dag(GRAPH), list(dag(GRAPH)), Recorder(), threads=1, on_event=on_event)


def test_ctrl_c_at_one_thread_lets_the_running_node_finish_and_starts_no_more(python_sigint):
    graph = dag({"b": "a", "c": "b", "d": ""})  # d first: a has more below it, so a, b ...
    main = threading.get_ident()
    calls = []

    def work(node):  # Ctrl-C comes while a runs; a still ends well, nothing else starts
        calls.append(node.name)
        if node.name == "a":
            threading.Timer(0.02, signal.pthread_kill, (main, signal.SIGINT)).start()
            time.sleep(0.3)
        return node.name

    with pytest.raises(RunInterrupted) as info:
        run_dag(graph, list(graph), work, threads=1)
    assert calls == ["a"]
    assert {n.name: o.status.value for n, o in info.value.outcomes.items()} == {"a": "success"}


def test_a_one_thread_run_needs_no_pool():
    """concurrent.futures (and the logging it imports: about 3 ms) only for a pool."""
    import subprocess
    import sys

    code = ("import sys; from warehouse.core.dag import Dag; "
            "from warehouse.core.identity import NodeId, NodeKind; "
            "from warehouse.run.scheduler import run_dag; "
            "a, b = NodeId(NodeKind.MODEL, 'a'), NodeId(NodeKind.MODEL, 'b'); "
            "dag = Dag({a: set(), b: {a}}); "
            "done = run_dag(dag, [a, b], lambda n: n.name, threads=1); "
            "assert [o.result for o in done.values()] == ['a', 'b'], done; "
            "print('concurrent.futures' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_ctrl_c_inside_the_workers_start_still_waits_for_its_node(monkeypatch):
    """One thread: Ctrl-C that lands in `Thread.start` once the worker runs (it waits to be
    told the thread began) stops the run after that node, not before it ends: the caller
    went on to close the connection the node was using ("connection is busy")."""
    graph = dag({"a": "", "b": "a"})
    real_start, calls = threading.Thread.start, []

    def start_then_pressed(thread):
        real_start(thread)
        raise KeyboardInterrupt

    def work(node):
        time.sleep(0.2)
        calls.append(node.name)
        return node.name

    monkeypatch.setattr(threading.Thread, "start", start_then_pressed)
    with pytest.raises(RunInterrupted) as info:
        run_dag(graph, list(graph), work, threads=1)
    calls.append("returned")
    assert calls == ["a", "returned"]
    assert {n.name: o.status.value for n, o in info.value.outcomes.items()} == {"a": "success"}
