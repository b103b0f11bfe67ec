"""A build's workspace opened on a thread while its project loads.

Opening the work file needs nothing of the project: the build lock, the spare
renamed to the work path or the published file copied, DuckDB reading the
file's catalog (0.15 s at 5,000 models, during which it lets go of the
interpreter) and the spare's state checked against the published one. So a
`build` or `run` starts it here once its load finds the project changed
(`WhenChanged`, cli.py), before reading the last load or rendering anything,
and the build takes it instead of opening its own (`runner._build`): the rest of
the load and the open overlap.

A command that does not reach its workspace (nothing to do after all, such as a
comment edited; an error in the project; an interrupt) hands it back
(`give_back`): a spare it took is kept for the next build, as if never taken,
and the lock is released. Everything else is the workspace's own: what it
refuses (another build holds the lock, no room for the copy) is raised where
the build would have met it, by `take`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from warehouse.core.background import meanwhile


def when_changed(config: Any, command: str) -> WhenChanged | None:
    """What opens the build's workspace once the load finds the project changed: for a
    `build` or `run` on DuckDB (a Spark workspace is left to the build)."""
    if command not in ("build", "run"):
        return None
    from warehouse.adapters.target import adapter_for

    adapter = adapter_for(config)
    return WhenChanged(adapter) if adapter.name == "duckdb" else None


class WhenChanged:
    """Opens the workspace (`WorkspaceAhead`) when the load finds the project changed
    (`load_project`'s `on_change`): a project whose files were only touched, or
    written again as they were, loads from its cache and builds nothing, so it opens
    nothing (a copy of the warehouse, were there no spare, would cost more than the
    whole answer)."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter
        self.ahead: WorkspaceAhead | None = None

    def __call__(self) -> None:
        if self.ahead is None:
            self.ahead = WorkspaceAhead(self.adapter)

    def give_back(self) -> None:
        if self.ahead is not None:
            self.ahead.give_back()


class WorkspaceAhead:
    """`adapter.workspace()` entered and connected on a thread of its own; taken once by
    the build (`take`), or handed back (`give_back`)."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter
        self._workspace = adapter.workspace()
        self._entered = False
        self._error: BaseException | None = None
        self._taken = False
        self._opened = meanwhile(self._open, name="warehouse-workspace")  # (waits for it)

    def _open(self) -> None:
        try:
            self._workspace.__enter__()
            self._entered = True
            self._workspace.connect()
        except BaseException as exc:  # raised by `take`, where the build opens it
            self._error = exc
            if self._entered:
                self._entered = False
                try:
                    self._workspace.__exit__(type(exc), exc, exc.__traceback__)
                except BaseException as closing:  # (what closing it refused says more)
                    self._error = closing

    @contextlib.contextmanager
    def take(self) -> Iterator[Any]:
        """The open workspace, for `with` as `adapter.workspace()` is used."""
        self._opened()
        self._taken = True
        if self._error is not None:
            raise self._error
        with contextlib.ExitStack() as stack:
            stack.push(self._workspace.__exit__)
            yield self._workspace

    def give_back(self) -> None:
        """Close it unused, unless the build took it (waiting for it to open first)."""
        self._opened()
        if self._taken or not self._entered:
            return
        self._taken = True
        self._workspace.give_back()  # (DuckDB's: see `when_changed`)
