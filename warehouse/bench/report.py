"""The benchmark's report: one table, each measure against the floor and its goal.

Wall seconds are what a person waits; CPU seconds (user + system, every
thread, the build's subprocess included) are what the work costs, and stay
comparable when other processes share the machine, so both are shown, each
as a ratio to the floor measured in the same run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Build:
    """One `warehouse build` subprocess: wall and CPU seconds, and how many models it ran."""

    seconds: float
    cpu: float
    models_run: int | None
    exit_code: int
    output: str = ""


@dataclass(frozen=True)
class SizeResult:
    """Everything measured on one generated project (best of the repeats)."""

    models: int
    tests: int
    floor: Build | None  # models_run: every model
    load: Build | None  # in-process load_project
    cold: Mapping[int, Build]  # threads -> the best cold build
    noop: Build | None
    leaf: Build | None
    root: Build | None
    root_descendants: int
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """A line of the table."""

    measure: str
    n: str
    run: Build | None
    floor: Build | None = None
    goal: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return _ratio(self.run and self.run.seconds, self.floor and self.floor.seconds)

    @property
    def cpu_ratio(self) -> float | None:
        return _ratio(self.run and self.run.cpu, self.floor and self.floor.cpu)


@dataclass(frozen=True)
class Goals:
    cold_ratio: float = 1.3  # cold build of 500 models, threads=1, over the floor
    noop_s: float = 0.5  # no-op rebuild of 500 models
    help_s: float = 0.2
    seed_ratio: float = 1.2  # load_seed over read_csv
    goal_models: int = 500


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


def rows_for(results: list[SizeResult], help_run: Build | None,
             seed: Mapping[str, Build] | None, seed_rows: int,
             goals: Goals = Goals()) -> list[Row]:
    """The report's lines, with each goal marked where it applies."""
    out: list[Row] = []
    for r in results:
        n, at_goal = str(r.models), r.models == goals.goal_models
        out.append(Row("floor: DuckDB runs the same SQL", n, r.floor, r.floor))
        out.append(Row("load in-process (render, parse, plan)", n, r.load, r.floor))
        for threads, run in sorted(r.cold.items()):
            ratio = _ratio(run.seconds, r.floor and r.floor.seconds)
            goal = at_goal and threads == 1 and ratio is not None
            out.append(Row(f"cold build, threads={threads}", n, run, r.floor,
                           f"<= {goals.cold_ratio}x floor" if goal else "",
                           ratio <= goals.cold_ratio if goal and ratio else None))
        if r.noop:
            out.append(Row("no-op rebuild", n, r.noop, None,
                           f"< {goals.noop_s} s" if at_goal else "",
                           r.noop.seconds < goals.noop_s if at_goal else None))
        if r.leaf:
            out.append(Row("rebuild after a leaf model changed", n, r.leaf, None,
                           "runs 1 model", r.leaf.models_run == 1))
        if r.root:
            out.append(Row(f"rebuild after the root changed ({r.root_descendants} models "
                           "read it)", n, r.root, None))
    out.append(Row("warehouse --help", "", help_run, None, f"< {goals.help_s} s",
                   None if help_run is None else help_run.seconds < goals.help_s))
    if seed:
        base = next(iter(seed.values()))  # the first is the read_csv baseline
        for i, (label, run) in enumerate(seed.items()):
            ratio = _ratio(run.seconds, base.seconds)
            out.append(Row(f"seed {seed_rows:,} rows: {label}", "", run, base,
                           f"<= {goals.seed_ratio}x read_csv" if i else "",
                           ratio <= goals.seed_ratio if i and ratio else None))
    return out


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else format(value, spec) + suffix


def table(rows: list[Row]) -> str:
    head = ("measure", "N", "wall s", "x floor", "cpu s", "cpu x floor", "models run", "goal",
            "")
    body = [(r.measure, r.n, _fmt(r.run and r.run.seconds, ".3f"), _fmt(r.ratio, ".2f", "x"),
             _fmt(r.run and r.run.cpu, ".2f"), _fmt(r.cpu_ratio, ".2f", "x"),
             "-" if r.run is None or r.run.models_run is None else str(r.run.models_run),
             r.goal, {True: "met", False: "MISSED", None: ""}[r.met]) for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(head)]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in (0, 7, 8) else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([fmt(head), fmt(tuple("-" * w for w in widths)), *map(fmt, body)])
