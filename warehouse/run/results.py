"""What a run is asked to do and what it returns: plain values every run module shares.

They live below the runner so that the modules the runner calls (plan,
test verdicts, artifacts) can speak of options and results without
importing the runner back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.core.identity import NodeId, NodeKind

KINDS_BY_COMMAND = {
    "seed": frozenset({NodeKind.SEED}),
    "run": frozenset({NodeKind.MODEL}),
    "test": frozenset({NodeKind.TEST, NodeKind.UNIT_TEST}),
    "snapshot": frozenset({NodeKind.SNAPSHOT}),
    "build": frozenset({NodeKind.SEED, NodeKind.MODEL, NodeKind.TEST, NodeKind.SNAPSHOT}),
    # what data tests need
    "prepare": frozenset({NodeKind.SEED, NodeKind.MODEL, NodeKind.SNAPSHOT}),
}

# Unit tests run with the data tests: in `build`, each before its model (run/run_graph.py).
KINDS_BY_COMMAND["build"] = KINDS_BY_COMMAND["build"] | {NodeKind.UNIT_TEST}


@dataclass(frozen=True)
class RunOptions:
    command: str = "build"
    select: Sequence[str] = ()
    exclude: Sequence[str] = ()
    threads: int | None = None
    full_refresh: bool = False
    database: Path | None = None  # overrides the project's published file
    publish: bool = True
    show_unchanged: bool = False  # a line for every node, not only those that ran


@dataclass(frozen=True)
class NodeResult:
    node_id: NodeId
    status: str  # success, error, skipped, pass, warn, fail; unchanged (not run, see changes)
    elapsed: float = 0.0
    message: str = ""
    rows: int | None = None
    failures: int | None = None
    relation: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.status in ("error", "fail")


@dataclass(frozen=True)
class RunResult:
    command: str
    results: tuple[NodeResult, ...]
    elapsed: float
    published: bool
    database: str  # where the warehouse is (the adapter's location)
    kept_failed: str | None = None  # where a failed build was kept for inspection
    # The run_results entries of the results, made while the build published: a function
    # waiting for them (run/artifacts.prepare_entries), or None.
    made_entries: Any = field(default=None, compare=False, repr=False)

    @property
    def exit_code(self) -> int:
        return 1 if any(r.blocking for r in self.results) else 0
