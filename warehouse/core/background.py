"""Work on a thread of its own while the caller goes on, then its result where it asked.

A build hands the interpreter to a thread whenever DuckDB would otherwise hold the
caller still: the work file's checkpoint (adapters/duckdb/workspace.py) while the
stamp is pickled and run_results' entries are made, the manifest's encoding
(run/artifacts.py) while the build runs.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

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
    made: list[Any] = [None, None]
    finished = threading.Event()  # (not Thread.join: an interrupted join marks it ended)

    def run() -> None:
        try:
            made[0] = make(*args)
        except BaseException as exc:  # handed to the caller by `result`
            made[1] = exc
        finally:
            finished.set()

    threading.Thread(target=run, name=name, daemon=True).start()

    def result() -> Any:
        try:
            finished.wait()
        except BaseException:
            finished.wait()  # (a second interrupt, here, is not held back)
            raise
        if made[1] is not None:
            raise made[1]
        return made[0]

    return result


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
