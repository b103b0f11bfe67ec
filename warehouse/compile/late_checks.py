"""Model checks that run beside a build instead of before it.

Checking a model's SQL (DuckDB's parser, then sqlglot's analysis and the
check that it reads only what it references: `resolve.check_model_sql`) is
the largest share of a cold load. A build needs none of it to start: the DAG
comes from `ref()` and `source()`, and the fingerprints from the SQL text. So
a cold `build` or `run` loads with the checks set aside here, and a thread
runs them, in the order the load would have, while DuckDB executes what is
ready. The rules stay those of an eager load:

* a model runs only once its own check passed (`node` waits for it);
* the first check that fails is the load's error: the build stops starting
  nodes, publishes nothing and reports that error as a load would, with its
  file, line and column (`wait`); the lines of nodes run meanwhile are held
  back (`held`) and dropped, so the output is the load's error alone;
* what the load keeps (the parse cache) is written only once every check
  passed (`then`), with the checked nodes.

Nothing here decides what runs: a plan that depends on what the checks find
(a stored state to compare with: a model calling `now()` always runs) waits
for them first (run/runner.py).

A delta load (compile/delta_load.py: a few model files edited) sets aside the
checks of the models it made again (`edits`): they run while DuckDB opens the
work file (the build says `go` as it opens it: DuckDB lets go of the
interpreter while it connects), and the plan, made before, does not wait for
them (`plan_waits` is False). What they find cannot change what it runs: an
edited model whose fingerprint changed runs anyway (its own check first), and
one whose fingerprint did not has the tokens, so the SQL, that passed its
check at the last load (a comment that would break the SQL, such as an
unterminated one, fails its check all the same: the build's error, nothing
published). A volatile call found is the model's reason to run, as for a
cold build (run/runner.py). Their analyser is DuckDB's own tree where it
answers (parse.NativeFirst: the same tables and columns, without importing
sqlglot); an error it finds is found again by sqlglot's analysis
(`resolve.checked_by`), so that it reads as a whole load's.

The thread is a daemon (a check waiting for `go` must not keep the process
alive), but it must not be inside DuckDB when the interpreter ends
(`background.finish_at_exit`): at exit it is told to stop after the check it is
in, and waited for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from warehouse.core.errors import ProjectError, Unsupported
from warehouse.core.identity import NodeId
from warehouse.core.nodes import ModelNode, Node

# The check of one model: given the analyser, its columns and volatile functions.
Check = Callable[[Callable[..., Any]], tuple[tuple[str, ...], tuple[str, ...]]]


class LateChecks:
    """The models whose SQL checks were set aside by a load, and the thread that runs them.

    Called like the analyser it wraps (a snapshot's check stays eager); `defer` is how
    `resolve.compile_model` hands over a model's check instead of running it."""

    def __init__(self, analyze: Callable[..., Any], *, edits: bool = False) -> None:
        self._analyze = analyze
        self.plan_waits = not edits  # (see the module docstring)
        self._pending: dict[NodeId, tuple[ModelNode, Check]] = {}
        # Checks run in the order they were set aside: a node is checked once `_reached`
        # is past its place (one condition for all, not an event per model).
        self._place: dict[NodeId, int] = {}
        self._reached = 0
        self._progress = threading.Condition()
        self._finished = threading.Event()
        self._go = threading.Event()  # (set when the build opens its work file: `go`)
        self._then: list[Callable[[], None]] = []
        self._nodes: Mapping[NodeId, Node] = {}  # the project's, given to `start`
        self._thread: threading.Thread | None = None
        self._thread_done = threading.Event()  # (set as the thread ends: background.wait_for)
        self._waiting = threading.Event()  # (set once the thread waits for `go`)
        self._stopping = False
        self.error: BaseException | None = None

    def __call__(self, sql: str, *, path: str, template: str) -> Any:
        return self._analyze(sql, path=path, template=template)

    def defer(self, model: ModelNode, check: Check) -> ModelNode:
        """Keep `check` for later; `model` as it is until then (no columns, nothing volatile)."""
        self._place[model.id] = len(self._pending)
        self._pending[model.id] = (model, check)
        return model

    @property
    def checked(self) -> frozenset[NodeId]:
        """The models whose checks were set aside (whether run yet or not)."""
        return frozenset(self._place)

    @property
    def pending(self) -> bool:
        return bool(self._pending) and not self._finished.is_set()

    def then(self, action: Callable[[], None]) -> None:
        """Run `action` once every check has passed (on the checking thread)."""
        self._then.append(action)

    def run_now(self) -> None:
        """Every check, here and now (a load that failed after setting them aside: the
        first model error is the one an eager load would have raised first)."""
        self._run(None)
        if self.error is not None:
            raise self.error

    def start(self, nodes: dict[NodeId, Node]) -> None:
        """A thread of its own for the checks, putting each checked model into `nodes`
        (the project's). It begins at `go`: until DuckDB has work (opening the work file,
        running the first model), checking would only take the interpreter from the
        build's own preparation. Meanwhile it opens what the checks will need (DuckDB's
        parser connection, 15-25 ms off the interpreter); opened at the first check, it
        kept an edited model's check, so its run, waiting while the build had nothing
        else to do."""
        from warehouse.core.background import finish_at_exit

        if self._thread is not None:
            return
        self._nodes = nodes
        self._thread = threading.Thread(target=self._when_told, args=(nodes,), daemon=True,
                                        name="warehouse-checks")
        finish_at_exit(self)
        self._thread.start()

    def stop(self, wait: float | None = None) -> None:
        """No check after the one running (none begins); wait until the thread is done (at
        most `wait` seconds). A model not checked then never runs: `error` says why
        (`node` returns None)."""
        self._stopping = True
        self._go.set()
        if self._thread is not None:
            self._thread_done.wait(wait)

    def finish_at_exit(self) -> None:
        """Out of DuckDB before the interpreter ends (background.finish_at_exit): the check
        in progress ends and none begins; a thread still waiting for `go` is left so (it
        is in no DuckDB call, and wakes to none)."""
        import time

        from warehouse.core.background import EXIT_GRACE

        self._stopping = True
        ends = time.monotonic() + EXIT_GRACE
        while not (self._waiting.is_set() and not self._go.is_set()):
            if self._thread_done.wait(0.005) or time.monotonic() > ends:
                return

    def go(self) -> None:
        """Begin checking (the build opens its work file, or something needs the checks)."""
        self._go.set()

    def _when_told(self, nodes: dict[NodeId, Node]) -> None:
        from warehouse.compile.parse import prepare_to_analyze
        from warehouse.core.background import quick_switches

        try:
            try:
                prepare_to_analyze()  # (DuckDB lets go of the interpreter while it opens)
            except Exception:  # (the first check opens it again, and says what went wrong)
                pass
            self._waiting.set()
            self._go.wait()
            with quick_switches():  # (the worker shares the interpreter with the checks)
                self._run(nodes)
        finally:
            self._thread_done.set()

    def node(self, node_id: NodeId) -> Node | None:
        """`node_id`'s node once checked (at once for one that was never set aside);
        None when a check failed (this one or an earlier one: the build stops)."""
        place = self._place.get(node_id)
        if place is not None and not self._finished.is_set():
            self.go()
            with self._progress:
                self._progress.wait_for(lambda: self._reached > place)
        return None if self.error is not None else self._nodes[node_id]

    def wait(self, *, begin: bool = True) -> None:
        """Until every check has run; the first error, raised here as the load's. Without
        `begin`, the checks are left to begin when the build says `go`. Ctrl-C meanwhile
        stops them, and is raised once the check in progress is done (not Thread.join:
        see background.wait_for)."""
        if begin:
            self.go()
        if self._thread is not None:
            try:
                self._thread_done.wait()
            except BaseException:
                self.stop()
                raise
        if self.error is not None:
            raise self.error

    def _run(self, nodes: dict[NodeId, Node] | None) -> None:
        try:
            for node_id, (model, check) in self._pending.items():
                if self._stopping:
                    self.error = self.error or RuntimeError("the checks were stopped")
                if self.error is not None:
                    break
                checked = self._checked(model, check)
                if nodes is not None and checked is not None:
                    nodes[node_id] = checked
                with self._progress:
                    self._reached += 1
                    self._progress.notify_all()
            if self.error is None:
                for action in self._then:
                    action()
        except BaseException as exc:  # (a bug: the build must not wait for ever)
            self.error = self.error or exc
        finally:
            # What an eager load lets go when it ends: the models as they were before their
            # checks, and the load's files, memos and analyses (held by `then`'s actions).
            self._pending.clear()
            self._then.clear()
            self._analyze = _spent
            self._finished.set()
            with self._progress:
                self._reached = len(self._place)
                self._progress.notify_all()

    def _checked(self, model: ModelNode, check: Check) -> ModelNode | None:
        """The model with what its check found, refused for a construct the engine lacks
        (as `refusals.or_refused` would have at load); None and `error` when it failed."""
        from warehouse.compile.contracts import ContractError
        from warehouse.compile.refusals import Refusal
        from warehouse.compile.resolve import checked_by

        try:
            columns, volatile = checked_by(self._analyze, check)
        except (Unsupported, ContractError) as exc:
            return replace(model, refused=Refusal.of(exc))
        except ProjectError as exc:
            self.error = exc
            return None
        return replace(model, sql_columns=columns, volatile=volatile)


def _spent(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("the load's checks are over: its analyser is gone")


class HeldLines:
    """A console whose lines wait until the checks pass, then go out in order; dropped
    when one fails (the build's output is then the load's error alone)."""

    def __init__(self, console: Any, checks: LateChecks) -> None:
        self._console, self._checks = console, checks
        self._held: list[tuple[str, tuple, dict]] | None = []
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._console, name)
        if not callable(target) or name not in ("line", "node", "block"):
            return target

        def call(*args: Any, **kwargs: Any) -> None:
            with self._lock:
                if self._checks.error is not None:  # (set before `pending` turns false)
                    self._held = None
                    return
                if self._held is not None and self._checks.pending:
                    self._held.append((name, args, kwargs))
                    return
                self._release()
            target(*args, **kwargs)

        return call

    def _release(self) -> None:
        held, self._held = self._held, None
        if held and self._checks.error is None:
            for name, args, kwargs in held:
                getattr(self._console, name)(*args, **kwargs)

    def flush(self) -> None:
        """The held lines (after the checks: printed, or dropped if one failed)."""
        with self._lock:
            self._release()
