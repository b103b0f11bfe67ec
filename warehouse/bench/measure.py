"""`make bench`: what the engine costs on top of DuckDB running the same SQL.

    python -m warehouse.bench [--models 500 5000] [--load-models 10000] [--rows 10000]
                              [--threads 1 2 4] [--threads-for 500] [--repeat 2]
                              [--seed-rows 1000000] [--json results.json] [--keep DIR]

For each model count N it generates a project (`warehouse.bench.project`) and
measures, as subprocesses the way a person runs them:

* the floor: the project's own compiled SQL (every model as `create or replace
  table|view ... as <sql>` in DAG order, every test as `select count(*) from
  (<test sql>)`) run by DuckDB on one connection into a fresh database file
  (`warehouse.bench.floor`, in a subprocess of its own for its peak memory);
* `warehouse build` cold (fresh database and target/) at 1 thread, and at each
  of `--threads` for the sizes in `--threads-for`;
* then, from the state that build left: a no-op rebuild, a rebuild after
  changing one leaf model (against its floor: that model's SQL and its tests
  alone, on a copy of the warehouse), then after changing it again (the first
  rebuild after a cold build copies the warehouse: there is no spare file yet,
  see adapters/duckdb/spare.py; the second is the edit loop) and one after
  changing the root table
  most models depend on, each with the number of models it ran;
* loading the project in-process (render, parse, plan), to see its share.

Then, for each of `--load-models`, a project only loaded, cold and warm (as a
subprocess: start-up included); `warehouse --help` start-up, and a
1,000,000-row CSV seed against DuckDB's own `read_csv` (`warehouse.bench.seed`).
Times are the best of `--repeat` interleaved runs, in wall and CPU seconds, with
each run's peak memory and the load average as it started
(`warehouse.bench.report`). A benchmark, not a test: a missed goal is
reported, never an error.
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
from dataclasses import asdict
from pathlib import Path
from typing import Any

from warehouse.bench.floor import floor_statements
from warehouse.bench.project import change_model, generate, leaf_and_root, model_path
from warehouse.bench.report import Build, LoadResult, SizeResult, rows_for, table

__all__ = ["floor_statements", "main"]

RAN = frozenset({"success", "error"})  # run_results statuses of a model that was executed


def run_floor(statements: list[str], database: Path) -> Build:
    """The statements run by DuckDB in a subprocess (`warehouse.bench.floor`): the SQL's own
    wall and CPU seconds, and the subprocess's peak memory. `database` starts fresh unless
    it is given as a copy of a built warehouse (for a rebuild's floor)."""
    listing = database.with_suffix(".statements.json")
    listing.write_text(json.dumps(statements), encoding="utf-8")
    run, text = _run([sys.executable, "-m", "warehouse.bench.floor", str(listing),
                      str(database)])
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    listing.unlink()
    if run.exit_code != 0:
        return run
    timing = json.loads(text.strip().splitlines()[-1])
    return Build(timing["seconds"], timing["cpu"],
                 sum(s.startswith("create or replace") for s in statements), 0,
                 peak_mib=run.peak_mib, load_avg=run.load_avg)


def time_load(root: Path) -> Build:
    """Load the project in-process from cold (no parse cache in target/)."""
    from warehouse.compile.load import load_project

    fresh(root)
    cpu, began = time.process_time(), time.perf_counter()
    project = load_project(root)
    return Build(time.perf_counter() - began, time.process_time() - cpu,
                 sum(n.kind.value == "model" for n in project.nodes), 0)


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
    return _subprocess(cmd, root)


def _subprocess(cmd: list[str], root: Path | None = None) -> Build:
    return _run(cmd, root)[0]


def _run(cmd: list[str], root: Path | None = None) -> tuple[Build, str]:
    """Run `cmd`; its wall and CPU seconds and peak memory (from wait4, this child's own),
    the load average as it started, and its output."""
    load_avg = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=_env())
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Build(elapsed, cpu, models_run(root) if root else None, proc.returncode,
                 "" if proc.returncode == 0 else _tail(text), peak_mib=usage.ru_maxrss / 1024,
                 load_avg=load_avg), text


def models_run(root: Path) -> int | None:
    """How many models the last command executed, from target/run_results.json."""
    path = root / "target" / "run_results.json"
    if not path.exists():
        return None
    results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    count = 0
    for r in results:  # the engine's own id and status, where dbt's layout keeps them
        ours = (r.get("adapter_response") or {}).get("warehouse") or {}
        node = ours.get("node", r.get("unique_id", ""))
        count += node.startswith("model.") and ours.get("status", r.get("status")) in RAN
    return count


def time_help(times: int = 5) -> Build | None:
    best = None
    for _ in range(times):
        run = _subprocess([*warehouse_command(), "--help"])
        if run.exit_code != 0:
            return None
        best = _best(best, run)
    return best


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _best(best: Build | None, new: Build) -> Build:
    return new if best is None or new.seconds < best.seconds else best


def bench_size(n_models: int, rows: int, threads: list[int], repeat: int, workdir: Path,
               log: Callable[[str], None]) -> SizeResult:
    """Measure one generated project; repeats are interleaved (floor, builds, floor, ...)
    so that load from other processes hits every measure alike."""
    from warehouse.compile.load import load_project

    generated = generate(n_models, rows)
    root = generated.write(workdir / f"bench_{n_models}")
    leaf, root_model = leaf_and_root(generated)
    log(f"N={n_models}: {generated.n_tests} tests, {generated.n_views} views, "
        f"{generated.layers} layers, in {root}")
    errors: list[str] = []
    statements = floor_statements(load_project(root))
    best: dict[str, Build] = {}

    def keep(key: str, run: Build, label: str) -> str:
        if run.exit_code != 0:
            errors.append(f"{label} exited {run.exit_code}: {run.output}")
        else:
            best[key] = _best(best.get(key), run)
        return f", {label} {run.seconds:.2f} s"

    for attempt in range(1, repeat + 1):
        line = f"  run {attempt}/{repeat}"
        line += keep("floor", run_floor(statements, workdir / f"floor_{n_models}.duckdb"),
                     "floor")
        line += keep("load", time_load(root), "load")
        for t in threads:
            fresh(root)
            line += keep(f"cold{t}", build(root, t), f"cold build, threads={t}")
        line += keep("noop", build(root, 1), "no-op")
        before_leaf = change_model(root, leaf, attempt)
        line += keep("leaf", build(root, 1), "leaf change")
        line += keep("leaf_floor", leaf_floor(root, leaf.name, workdir), "its SQL alone")
        change_model(root, leaf, attempt + repeat)  # edited again: the spare is there now
        line += keep("leaf_again", build(root, 1), "again")
        before_root = change_model(root, root_model, attempt)
        line += keep("root", build(root, 1), "root change")
        for model, text in ((leaf, before_leaf), (root_model, before_root)):
            model_path(root, model).write_text(text, encoding="utf-8")
        log(line)
    cold = {t: best[f"cold{t}"] for t in threads if f"cold{t}" in best}
    return SizeResult(n_models, generated.n_tests, best.get("floor"), best.get("load"), cold,
                      best.get("noop"), best.get("leaf"), best.get("root"),
                      _descendants(generated, root_model.name), tuple(errors),
                      leaf_floor=best.get("leaf_floor"), leaf_again=best.get("leaf_again"))


def leaf_floor(root: Path, name: str, workdir: Path) -> Build:
    """The floor of a rebuild after model `name` changed: its SQL and its tests' alone, run
    by DuckDB on a copy of the warehouse that rebuild published."""
    from warehouse.compile.load import load_project

    copy = workdir / "leaf_floor.duckdb"
    shutil.copyfile(root / "warehouse.duckdb", copy)
    statements = floor_statements(load_project(root, cache=True), only={name})
    return run_floor(statements, copy)


def time_loads(n_models: int, rows: int, workdir: Path, repeat: int,
               log: Callable[[str], None]) -> LoadResult:
    """Loading a generated project as a subprocess does (`python -c load_project(...)`,
    start-up and imports included): cold (no parse cache), then warm."""
    generated = generate(n_models, rows)
    root = generated.write(workdir / f"load_{n_models}")
    # Files written this instant are read whatever their stats (compile/load_stats.py: an
    # edit may hide within the file system's timestamp granularity), so the warm load
    # after a cold load of files just generated read them all; a project's files are
    # not that fresh, so let them settle first, as they have before any real build.
    from warehouse.compile.load_stats import SETTLED_NS

    time.sleep(SETTLED_NS / 1e9 + 0.1)
    script = ("import sys; from pathlib import Path; from warehouse.compile.load import "
              "load_project; load_project(Path(sys.argv[1]), cache=True)")
    cold = warm = None
    for attempt in range(1, repeat + 1):
        fresh(root)
        first = _subprocess([sys.executable, "-c", script, str(root)])
        second = _subprocess([sys.executable, "-c", script, str(root)])
        if first.exit_code == 0 and second.exit_code == 0:
            cold, warm = _best(cold, first), _best(warm, second)
        log(f"  load of {n_models} models, run {attempt}/{repeat}: cold {first.seconds:.2f} s,"
            f" warm {second.seconds:.2f} s")
    return LoadResult(n_models, cold, warm)


def _descendants(generated: Any, name: str) -> int:
    below, frontier = set(), {name}
    while frontier:
        frontier = {m.name for m in generated.models if set(m.parents) & frontier} - below
        below |= frontier
    return len(below)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.bench",
        description="Engine overhead over DuckDB on generated projects (a benchmark, not a test).")
    parser.add_argument("--models", type=int, nargs="+", default=[500, 5000],
                        help="model counts to generate and build (default: 500 5000)")
    parser.add_argument("--load-models", type=int, nargs="*", default=[10_000],
                        help="model counts only loaded, cold and warm (default: 10000; none "
                             "to skip)")
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
        loads = [time_loads(n, args.rows, workdir, args.repeat, log) for n in args.load_models]
        seed = None
        if args.seed_rows:
            from warehouse.bench.seed import measure

            log(f"seed: {args.seed_rows:,} rows")
            seed = measure(workdir, args.seed_rows, args.repeat)
    finally:
        if cleanup:
            cleanup.cleanup()
    help_run = time_help()
    rows = rows_for(results, help_run, seed, args.seed_rows, loads=loads)
    print(f"\nbest of {args.repeat}; builds are `warehouse build` subprocesses; floor = the "
          f"same SQL run by DuckDB directly (its own time, in a subprocess); {os.cpu_count()} "
          f"CPUs, load average now "
          f"{os.getloadavg()[0]:.1f}")
    print(table(rows))
    errors = [f"N={r.models}: {e}" for r in results for e in r.errors]
    for error in errors:
        print(error)
    if args.json:
        payload = {"environment": _environment(args), "results": [asdict(r) for r in results],
                   "loads": [asdict(r) for r in loads],
                   "rows": [{**asdict(r), "ratio": r.ratio, "cpu_ratio": r.cpu_ratio}
                            for r in rows]}
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
