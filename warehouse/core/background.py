"""Work on a thread of its own while the caller goes on, then its result where it asked.

A build hands the interpreter to a thread whenever DuckDB would otherwise hold the
caller still: the work file's checkpoint (adapters/duckdb/workspace.py) while the
stamp is pickled and run_results' entries are made, the manifest's encoding
(run/artifacts.py) while the build runs.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
import threading
import weakref
from collections.abc import Iterator
from typing import Any, Protocol

# While a thread works beside a build's worker, the worker waits at most this long for the
# interpreter after DuckDB returns (Python's default is 5 ms: per statement, it adds up).
QUICK_SWITCH = 0.0002
_switching: list[Any] = [0, None]  # threads inside `quick_switches`, the interval before
_switching_lock = threading.Lock()


def meanwhile(make: Any, *args: Any, name: str = "warehouse-meanwhile") -> Any:
    """Start `make(*args)` on a thread called `name`; the function returned waits for it
    and returns what it returned, or raises what it raised. An interrupt while it waits
    (Ctrl-C) is raised once the thread's work is done, as it would be were the work on
    the caller's thread: whatever cleans up after it (removing the work file) must not
    race a checkpoint."""
    work = _Work(make, args)
    finish_at_exit(work)  # (an interrupt inside `start` leaves the caller no `result`)
    threading.Thread(target=work.run, name=name, daemon=True).start()

    def result() -> Any:
        wait_for(work.finished)  # (not Thread.join: see `wait_for`)
        if work.raised is not None:
            raise work.raised
        return work.made

    return result


def wait_for(done: threading.Event) -> None:
    """Until `done` is set (by a thread, as its work ends). An interrupt (Ctrl-C) while
    waiting is raised once it is: the work, often inside DuckDB, ends first; a second
    interrupt, here, is not held back. Not `Thread.join`: in Python 3.11 an interrupted
    join marks the thread ended while it runs on, so that the next join returns at once
    and the caller closes what the thread still uses."""
    try:
        done.wait()
    except BaseException:
        done.wait()
        raise


class Finishing(Protocol):
    def finish_at_exit(self) -> None: ...


# How long the exit waits for each such thread (its DuckDB call is milliseconds; one stuck
# elsewhere, as on an import lock a Ctrl-C left taken, does not hold the exit for ever).
EXIT_GRACE = 5.0


def finish_at_exit(owner: Finishing) -> None:
    """Have `owner.finish_at_exit()` called when the interpreter exits, unless `owner` is
    gone by then (held weakly). A thread of ours must not be inside DuckDB when Python
    ends: exiting, Python stops a daemon thread as it next takes the interpreter, and
    DuckDB's C++ code, unwound that way, aborts the process ("terminate called ...",
    status -6 where an interrupted command's was 130). So each owner of such a thread
    stops it, or waits for it (at most EXIT_GRACE seconds), there."""
    if not _OWNERS:
        _OWNERS.append(weakref.WeakKeyDictionary())
        atexit.register(_finish_all)
    _OWNERS[0][owner] = None


_OWNERS: list[weakref.WeakKeyDictionary[Any, None]] = []


class _Work:
    """`make(*args)` run on a thread: what it made or raised, and its end."""

    def __init__(self, make: Any, args: tuple[Any, ...]) -> None:
        self._make, self._args = make, args
        self.made: Any = None
        self.raised: BaseException | None = None
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self.made = self._make(*self._args)
        except BaseException as exc:  # handed to the caller by `result`
            self.raised = exc
        finally:
            self.finished.set()

    def finish_at_exit(self) -> None:
        self.finished.wait(EXIT_GRACE)


def _finish_all() -> None:
    for owner in list(_OWNERS[0]):
        owner.finish_at_exit()


@contextlib.contextmanager
def quick_switches() -> Iterator[None]:
    """Hand the interpreter back quickly (`QUICK_SWITCH`) while the calling thread works
    beside a worker waiting on DuckDB; the interval as it was once every such thread is
    done (threads enter and leave in any order)."""
    with _switching_lock:
        if _switching[0] == 0:
            _switching[1] = sys.getswitchinterval()
            sys.setswitchinterval(QUICK_SWITCH)
        _switching[0] += 1
    try:
        yield
    finally:
        with _switching_lock:
            _switching[0] -= 1
            if _switching[0] == 0:
                sys.setswitchinterval(_switching[1])
