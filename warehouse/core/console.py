"""What a person sees while a command runs: one line per node, then a summary.

Printing is serialized with a lock because nodes finish on several threads.
Colour only on a terminal (and never when NO_COLOR is set).
"""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from typing import TextIO

_COLOURS = {"OK": "32", "PASS": "32", "SKIP": "33", "WARN": "33", "ERROR": "31", "FAIL": "31"}


class Console:
    def __init__(self, stream: TextIO | None = None, *, colour: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        if colour is None:
            colour = self.stream.isatty() and "NO_COLOR" not in os.environ
        self.colour = colour
        self._lock = threading.Lock()

    def paint(self, text: str, status: str) -> str:
        code = _COLOURS.get(status)
        return f"\033[{code}m{text}\033[0m" if self.colour and code else text

    def line(self, text: str = "") -> None:
        with self._lock:
            print(text, file=self.stream, flush=True)

    def node(self, index: int, total: int, status: str, what: str, detail: str,
             elapsed: float) -> None:
        width = len(str(total))
        head = f"{index:>{width}} of {total} {self.paint(status, status):<5} {what}"
        self.line(f"{head} {'.' * max(3, 60 - len(head))} [{detail} in {elapsed:.2f}s]")

    def block(self, text: str, status: str = "") -> None:
        """A multi-line message (a test's failing rows, an error) indented under its node."""
        with self._lock:
            for row in text.splitlines():
                print("    " + row, file=self.stream)
            self.stream.flush()

    def summary(self, statuses: list[str], elapsed: float, *, reused: int = 0) -> None:
        """`Done in 0.21s. OK=2 PASS=5 UNCHANGED=493 TOTAL=500`. UNCHANGED counts seeds and
        models skipped because nothing they depend on changed; `reused` says how many
        test results (counted under PASS or WARN) were read from the last build."""
        counts = Counter(statuses)
        order = ["OK", "PASS", "WARN", "ERROR", "FAIL", "SKIP", "UNCHANGED"]
        parts = [f"{self.paint(s, 'SKIP' if s == 'UNCHANGED' else s)}={counts[s]}"
                 for s in order if counts[s]]
        note = f" ({reused} test results from the last build, unchanged)" if reused else ""
        self.line(f"\nDone in {elapsed:.2f}s. {' '.join(parts) or 'nothing to do'} "
                  f"TOTAL={sum(counts.values())}{note}")


def reader_went_away() -> int:
    """The reader of our output closed it (`warehouse ls | head`): stop quietly, as other
    command-line tools do, with the status of a process ended by SIGPIPE."""
    try:  # later writes, and the interpreter's own flush at exit, go nowhere
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141


def interrupted_query(exc: BaseException) -> bool:
    """Whether `exc` is Ctrl-C as DuckDB reports it from a query on the main thread: its
    Python driver turns the KeyboardInterrupt into this RuntimeError (the statement was
    stopped; the build goes no further, as after any other interrupt)."""
    return type(exc) is RuntimeError and str(exc) == "Query interrupted"
