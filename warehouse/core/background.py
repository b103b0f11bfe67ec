"""Work on a thread of its own while the caller goes on, then its result where it asked.

A build hands the interpreter to a thread whenever DuckDB would otherwise hold the
caller still: the work file's checkpoint (adapters/duckdb/workspace.py) while the
stamp is pickled, the manifest's encoding (run/artifacts.py) while the build runs.
"""

from __future__ import annotations

import threading
from typing import Any


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
