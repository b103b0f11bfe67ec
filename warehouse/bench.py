"""`make bench`: what the engine costs on top of DuckDB running the same SQL.

    python -m warehouse.bench [--models 100 500 2000] [--rows 10000] [--threads 1 2 4]
                              [--threads-for 500] [--repeat 2] [--seed-rows 1000000]
                              [--json results.json] [--keep DIR]

For each model count N it generates a project (`warehouse.bench_project`) and
measures, as subprocesses the way a person runs them:

* the floor: the project's own compiled SQL (every model as `create or replace
  table|view ... as <sql>` in DAG order, every test as `select count(*) from
  (<test sql>)`) run by DuckDB on one connection into a fresh database file;
* `warehouse build` cold (fresh database and target/) at 1 thread, and at each
  of `--threads` for the sizes in `--threads-for`;
* then, from the state that build left: a no-op rebuild, a rebuild after
  changing one leaf model and one after changing the root table most models
  depend on, each with the number of models it ran (from run_results.json);
* loading the project in-process (render, parse, plan), to see its share.

Then `warehouse --help` start-up, and a 1,000,000-row CSV seed against DuckDB's
own `read_csv` (`warehouse.bench_seed`). Times are the best of `--repeat`
interleaved runs. A benchmark, not a test: a missed goal is reported, never
an error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from warehouse.bench_project import change_model, generate, leaf_and_root, model_path

RAN = frozenset({"success", "error"})  # run_results statuses of a model that was executed


@dataclass(frozen=True)
class Build:
    """One `warehouse build` subprocess: wall seconds and how many models it ran."""

    seconds: float
    models_run: int | None
    exit_code: int
    output: str = ""


@dataclass(frozen=True)
class SizeResult:
    """Everything measured on one generated project (best of the repeats)."""

    models: int
    tests: int
    floor_s: float | None
    load_s: float | None
    cold_s: dict[int, float]  # threads -> seconds
    noop: Build | None
    leaf: Build | None
    root: Build | None
    root_descendants: int
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """A line of the report table."""

    measure: str
    n: str
    seconds: float | None
    floor: float | None = None
    models_run: int | None = None
    goal: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.floor:
            return None
        return self.seconds / self.floor


@dataclass(frozen=True)
class Goals:
    cold_ratio: float = 1.3  # cold build of 500 models, threads=1, over the floor
    noop_s: float = 0.5  # no-op rebuild of 500 models
    help_s: float = 0.2
    seed_ratio: float = 1.2  # load_seed over read_csv
    goal_models: int = 500


# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------

def floor_statements(project: Any) -> list[str]:
    """The SQL the engine would run, as plain statements, from the loaded project."""
    from warehouse.identity import NodeKind, quote_ident

    statements: list[str] = []
    schemas: list[str] = []
    for node_id in project.dag.topological_order():
        node = project.nodes[node_id]
        if node_id.kind is NodeKind.MODEL:
            kind = "view" if node.materialized == "view" else "table"
            schema = node.relation.schema
            if schema not in schemas:
                schemas.append(schema)
                statements.append(f"create schema if not exists {quote_ident(schema)}")
            body = node.compiled_sql.strip().rstrip(";")
            statements.append(f"create or replace {kind} {node.relation.sql} as\n{body}")
        elif node_id.kind is NodeKind.TEST:
            body = node.sql.strip().rstrip(";")
            statements.append(f"select count(*) from (\n{body}\n)")
    return statements


def run_floor(statements: list[str], database: Path) -> float:
    import duckdb

    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    began = time.perf_counter()
    con = duckdb.connect(str(database))
    try:
        for statement in statements:
            con.execute(statement).fetchall()
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    elapsed = time.perf_counter() - began
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    return elapsed


def time_load(root: Path) -> float:
    from warehouse.project import load_project

    began = time.perf_counter()
    load_project(root)
    return time.perf_counter() - began


def fresh(root: Path) -> None:
    """Remove everything a build leaves, so the next one is cold."""
    shutil.rmtree(root / "target", ignore_errors=True)
    for path in root.glob("*.duckdb*"):
        path.unlink()


def warehouse_command() -> list[str]:
    script = Path(sys.executable).parent / "warehouse"
    return [str(script)] if script.exists() else [sys.executable, "-m", "warehouse.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1"}


def build(root: Path, threads: int) -> Build:
    """`warehouse build` as a person runs it; wall time includes start-up and artifacts."""
    cmd = [*warehouse_command(), "build", "--project-dir", str(root), "--threads", str(threads)]
    began = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    elapsed = time.perf_counter() - began
    return Build(elapsed, models_run(root), proc.returncode,
                 "" if proc.returncode == 0 else _tail(proc.stderr or proc.stdout))


def models_run(root: Path) -> int | None:
    """How many models the last command executed, from target/run_results.json."""
    path = root / "target" / "run_results.json"
    if not path.exists():
        return None
    results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    return sum(r.get("unique_id", "").startswith("model.") and r.get("status") in RAN
               for r in results)


def time_help(times: int = 5) -> float | None:
    best = None
    for _ in range(times):
        began = time.perf_counter()
        proc = subprocess.run([*warehouse_command(), "--help"], capture_output=True, env=_env())
        if proc.returncode != 0:
            return None
        best = _min(best, time.perf_counter() - began)
    return best


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _min(best: float | None, value: float) -> float:
    return value if best is None else min(best, value)


def _best(best: Build | None, new: Build) -> Build:
    return new if best is None or new.seconds < best.seconds else best


def bench_size(n_models: int, rows: int, threads: list[int], repeat: int, workdir: Path,
               log: Callable[[str], None]) -> SizeResult:
    """Measure one generated project; repeats are interleaved (floor, builds, floor, ...)
    so that load from other processes hits every measure alike."""
    from warehouse.project import load_project

    generated = generate(n_models, rows)
    root = generated.write(workdir / f"bench_{n_models}")
    leaf, root_model = leaf_and_root(generated)
    log(f"N={n_models}: {generated.n_tests} tests, {generated.n_views} views, "
        f"{generated.layers} layers, in {root}")
    errors: list[str] = []
    statements = floor_statements(load_project(root))
    floor_s = load_s = None
    cold: dict[int, float] = {}
    noop = leaf_build = root_build = None
    for attempt in range(1, repeat + 1):
        floor_s = _min(floor_s, run_floor(statements, workdir / f"floor_{n_models}.duckdb"))
        load_s = _min(load_s, time_load(root))
        line = f"  run {attempt}/{repeat}: floor {floor_s:.2f} s, load {load_s:.2f} s"
        for t in threads:
            fresh(root)
            result = build(root, t)
            if result.exit_code != 0:
                errors.append(f"cold build, threads={t}, exited {result.exit_code}: "
                              f"{result.output}")
                continue
            cold[t] = _min(cold.get(t), result.seconds)
            line += f", cold@{t} {result.seconds:.2f} s"
        noop = _best(noop, build(root, 1))
        before_leaf = change_model(root, leaf, attempt)
        leaf_build = _best(leaf_build, build(root, 1))
        before_root = change_model(root, root_model, attempt)
        root_build = _best(root_build, build(root, 1))
        for model, text in ((leaf, before_leaf), (root_model, before_root)):
            model_path(root, model).write_text(text, encoding="utf-8")
        for label, b in (("no-op", noop), ("leaf change", leaf_build),
                         ("root change", root_build)):
            if b.exit_code != 0:
                errors.append(f"{label} build exited {b.exit_code}: {b.output}")
        log(line + f", no-op {noop.seconds:.2f} s, leaf {leaf_build.seconds:.2f} s, "
            f"root {root_build.seconds:.2f} s")
    return SizeResult(n_models, generated.n_tests, floor_s, load_s, cold, noop, leaf_build,
                      root_build, _descendants(generated, root_model.name), tuple(errors))


def _descendants(generated: Any, name: str) -> int:
    below, frontier = set(), {name}
    while frontier:
        frontier = {m.name for m in generated.models if set(m.parents) & frontier} - below
        below |= frontier
    return len(below)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def rows_for(results: list[SizeResult], help_s: float | None, seed: dict[str, float] | None,
             seed_rows: int, goals: Goals = Goals()) -> list[Row]:
    """The report's lines, with each goal marked where it applies."""
    out: list[Row] = []
    for r in results:
        n = str(r.models)
        at_goal = r.models == goals.goal_models
        out.append(Row("floor: DuckDB runs the same SQL", n, r.floor_s, r.floor_s))
        out.append(Row("load in-process (render, parse, plan)", n, r.load_s, r.floor_s))
        for t, seconds in sorted(r.cold_s.items()):
            ratio = seconds / r.floor_s if r.floor_s else None
            goal = at_goal and t == 1 and ratio is not None
            out.append(Row(f"cold build, threads={t}", n, seconds, r.floor_s, r.models,
                           f"<= {goals.cold_ratio}x floor" if goal else "",
                           ratio <= goals.cold_ratio if goal else None))
        if r.noop:
            out.append(Row("no-op rebuild", n, r.noop.seconds, None, r.noop.models_run,
                           f"< {goals.noop_s} s" if at_goal else "",
                           r.noop.seconds < goals.noop_s if at_goal else None))
        if r.leaf:
            out.append(Row("rebuild after a leaf model changed", n, r.leaf.seconds, None,
                           r.leaf.models_run, "runs 1 model", r.leaf.models_run == 1))
        if r.root:
            out.append(Row(f"rebuild after the root changed ({r.root_descendants} models "
                           "read it)", n, r.root.seconds, None, r.root.models_run))
    out.append(Row("warehouse --help", "", help_s, None, None, f"< {goals.help_s} s",
                   None if help_s is None else help_s < goals.help_s))
    if seed:
        from warehouse.bench_seed import BASELINE

        base = seed[BASELINE]
        for label, seconds in seed.items():
            goal = label != BASELINE
            out.append(Row(f"seed {seed_rows:,} rows: {label}", "", seconds, base, None,
                           f"<= {goals.seed_ratio}x read_csv" if goal else "",
                           seconds / base <= goals.seed_ratio if goal else None))
    return out


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[Row]) -> str:
    head = ("measure", "N", "seconds", "floor s", "x floor", "models run", "goal", "")
    body = [(r.measure, r.n, _fmt(r.seconds, ".3f"), _fmt(r.floor, ".3f"),
             "-" if r.ratio is None else f"{r.ratio:.2f}x",
             "-" if r.models_run is None else str(r.models_run), r.goal,
             {True: "met", False: "MISSED", None: ""}[r.met]) for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(head)]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in (0, 6, 7) else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([fmt(head), fmt(tuple("-" * w for w in widths)), *map(fmt, body)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.bench",
        description="Engine overhead over DuckDB on generated projects (a benchmark, not a test).")
    parser.add_argument("--models", type=int, nargs="+", default=[100, 500, 2000],
                        help="model counts to generate (default: 100 500 2000)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows per table (default 10000)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4],
                        help="cold-build thread counts (default: 1 2 4)")
    parser.add_argument("--threads-for", type=int, nargs="*", default=[500],
                        help="model counts measured at every --threads (default: 500; the "
                             "others at 1 thread)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="interleaved runs of each measure; the best is kept (default 2)")
    parser.add_argument("--seed-rows", type=int, default=1_000_000,
                        help="rows of the seed CSV (default 1000000; 0 skips the seed measure)")
    parser.add_argument("--json", type=Path, default=None, help="save the results as JSON")
    parser.add_argument("--keep", type=Path, default=None,
                        help="generate into this folder and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    if min(args.models) < 4 or args.rows < 1 or min(args.threads) < 1 or args.repeat < 1:
        parser.error("--models must be at least 4; --rows, --threads and --repeat at least 1")

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    import duckdb  # noqa: F401  (imported before any timing starts)

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        workdir, cleanup = args.keep.resolve(), None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="warehouse-bench-")
        workdir = Path(cleanup.name)
    try:
        results = []
        for n in args.models:
            threads = sorted(set(args.threads) | {1}) if n in args.threads_for else [1]
            results.append(bench_size(n, args.rows, threads, args.repeat, workdir, log))
        seed = None
        if args.seed_rows:
            from warehouse.bench_seed import measure

            log(f"seed: {args.seed_rows:,} rows")
            seed = measure(workdir, args.seed_rows, args.repeat)
    finally:
        if cleanup:
            cleanup.cleanup()
    help_s = time_help()
    rows = rows_for(results, help_s, seed, args.seed_rows)
    print(f"\nbest of {args.repeat}; builds are `warehouse build` subprocesses (wall time); "
          f"floor = the same SQL run by DuckDB directly; {os.cpu_count()} CPUs")
    print(table(rows))
    errors = [f"N={r.models}: {e}" for r in results for e in r.errors]
    for error in errors:
        print(error)
    if args.json:
        payload = {"environment": _environment(args), "results": [asdict(r) for r in results],
                   "help_s": help_s, "seed": seed,
                   "rows": [{**asdict(r), "ratio": r.ratio} for r in rows]}
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nresults saved to {args.json}")
    return 1 if errors else 0


def _environment(args: argparse.Namespace) -> dict[str, Any]:
    import platform

    import duckdb
    import sqlglot

    return {"python": platform.python_version(), "duckdb": duckdb.__version__,
            "sqlglot": sqlglot.__version__, "platform": platform.platform(),
            "cpus": os.cpu_count(), "repeat": args.repeat, "rows": args.rows}


if __name__ == "__main__":
    sys.exit(main())
