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
    peak_mib: float | None = None  # the subprocess's peak resident memory
    load_avg: float | None = None  # the machine's 1-minute load average as it started


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
    leaf_floor: Build | None = None  # the changed leaf's SQL and tests alone
    leaf_again: Build | None = None  # the same leaf changed once more (the spare is there)


@dataclass(frozen=True)
class LoadResult:
    """A generated project only loaded: cold (no parse cache), then warm."""

    models: int
    cold: Build | None
    warm: Build | None


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
    """Issue 15's goals."""

    cold_ratio: float = 1.1  # cold build, threads=1, over the floor, at `goal_sizes`
    noop_s: float = 0.15  # no-op rebuild, at any size
    leaf_ratio: float = 2.0  # rebuild after a leaf changed, over its SQL alone
    help_s: float = 0.2
    seed_ratio: float = 1.2  # load_seed over read_csv
    load_cold_s: float = 3.0  # loading 10,000 models
    load_warm_s: float = 0.5
    goal_sizes: tuple[int, ...] = (500, 5000)
    load_size: int = 10_000


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


def rows_for(results: list[SizeResult], help_run: Build | None,
             seed: Mapping[str, Build] | None, seed_rows: int,
             goals: Goals = Goals(), loads: list[LoadResult] | tuple = ()) -> list[Row]:
    """The report's lines, with each goal marked where it applies."""
    out: list[Row] = []
    for r in results:
        out += _size_rows(r, goals)
    for load in loads:
        at_goal = load.models == goals.load_size
        for label, run, limit in (("cold", load.cold, goals.load_cold_s),
                                  ("warm", load.warm, goals.load_warm_s)):
            out.append(Row(f"load, {label} (subprocess)", str(load.models), run, None,
                           f"<= {limit} s" if at_goal else "",
                           run.seconds <= limit if at_goal and run else None))
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


def _size_rows(r: SizeResult, goals: Goals) -> list[Row]:
    n, at_goal = str(r.models), r.models in goals.goal_sizes
    out = [Row("floor: DuckDB runs the same SQL", n, r.floor, r.floor),
           Row("load in-process (render, parse, plan)", n, r.load, r.floor)]
    for threads, run in sorted(r.cold.items()):
        ratio = _ratio(run.seconds, r.floor and r.floor.seconds)
        goal = at_goal and threads == 1 and ratio is not None
        out.append(Row(f"cold build, threads={threads}", n, run, r.floor,
                       f"<= {goals.cold_ratio}x floor" if goal else "",
                       ratio <= goals.cold_ratio if goal and ratio else None))
    if r.noop:
        out.append(Row("no-op rebuild", n, r.noop, None, f"<= {goals.noop_s} s",
                       r.noop.seconds <= goals.noop_s))
    if r.leaf_floor:
        out.append(Row("floor: the changed leaf's SQL and tests alone", n, r.leaf_floor,
                       r.leaf_floor))
    for label, run in (("rebuild after a leaf model changed (first after the cold build)",
                        r.leaf), ("rebuild after it changed again", r.leaf_again)):
        if run is None:
            continue
        ratio = _ratio(run.seconds, r.leaf_floor and r.leaf_floor.seconds)
        one = run.models_run == 1
        out.append(Row(label, n, run, r.leaf_floor,
                       "runs 1 model" + (f", <= {goals.leaf_ratio}x its SQL" if ratio else ""),
                       one and (ratio is None or ratio <= goals.leaf_ratio)))
    if r.root:
        out.append(Row(f"rebuild after the root changed ({r.root_descendants} models "
                       "read it)", n, r.root, None))
    return out


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else format(value, spec) + suffix


def table(rows: list[Row]) -> str:
    head = ("measure", "N", "wall s", "x floor", "cpu s", "cpu x floor", "peak MiB",
            "load avg", "models run", "goal", "")
    body = [(r.measure, r.n, _fmt(r.run and r.run.seconds, ".3f"), _fmt(r.ratio, ".2f", "x"),
             _fmt(r.run and r.run.cpu, ".2f"), _fmt(r.cpu_ratio, ".2f", "x"),
             _fmt(r.run and r.run.peak_mib, ".0f"), _fmt(r.run and r.run.load_avg, ".1f"),
             "-" if r.run is None or r.run.models_run is None else str(r.run.models_run),
             r.goal, {True: "met", False: "MISSED", None: ""}[r.met]) for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(head)]
    left = (0, len(head) - 2, len(head) - 1)

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([fmt(head), fmt(tuple("-" * w for w in widths)), *map(fmt, body)])
