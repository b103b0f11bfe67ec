"""`make bench`: what the engine costs on top of DuckDB running the same SQL.

    python -m warehouse.bench [--models 100 500 2000] [--rows 10000] [--threads 1 2 4]
                              [--threads-for 500] [--repeat 2] [--seed-rows 1000000]
                              [--json results.json] [--keep DIR]

For each model count N it generates a project (`warehouse.bench.project`) and
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
own `read_csv` (`warehouse.bench.seed`). Times are the best of `--repeat`
interleaved runs, in wall and CPU seconds (`warehouse.bench.report`). A
benchmark, not a test: a missed goal is reported, never an error.
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

from warehouse.bench.project import change_model, generate, leaf_and_root, model_path
from warehouse.bench.report import Build, SizeResult, rows_for, table

RAN = frozenset({"success", "error"})  # run_results statuses of a model that was executed


def floor_statements(project: Any) -> list[str]:
    """The SQL the engine would run, as plain statements, from the loaded project."""
    from warehouse.core.identity import NodeKind, quote_ident

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


def run_floor(statements: list[str], database: Path) -> Build:
    import duckdb

    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    cpu, began = time.process_time(), time.perf_counter()
    con = duckdb.connect(str(database))
    try:
        for statement in statements:
            con.execute(statement).fetchall()
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    return Build(elapsed, cpu, sum(s.startswith("create or replace") for s in statements), 0)


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
    import resource

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu, began = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    elapsed, cpu = time.perf_counter() - began, children_cpu() - cpu
    return Build(elapsed, cpu, models_run(root) if root else None, proc.returncode,
                 "" if proc.returncode == 0 else _tail(proc.stderr or proc.stdout))


def models_run(root: Path) -> int | None:
    """How many models the last command executed, from target/run_results.json."""
    path = root / "target" / "run_results.json"
    if not path.exists():
        return None
    results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    return sum(r.get("unique_id", "").startswith("model.") and r.get("status") in RAN
               for r in results)


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
        before_root = change_model(root, root_model, attempt)
        line += keep("root", build(root, 1), "root change")
        for model, text in ((leaf, before_leaf), (root_model, before_root)):
            model_path(root, model).write_text(text, encoding="utf-8")
        log(line)
    cold = {t: best[f"cold{t}"] for t in threads if f"cold{t}" in best}
    return SizeResult(n_models, generated.n_tests, best.get("floor"), best.get("load"), cold,
                      best.get("noop"), best.get("leaf"), best.get("root"),
                      _descendants(generated, root_model.name), tuple(errors))


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
            from warehouse.bench.seed import measure

            log(f"seed: {args.seed_rows:,} rows")
            seed = measure(workdir, args.seed_rows, args.repeat)
    finally:
        if cleanup:
            cleanup.cleanup()
    help_run = time_help()
    rows = rows_for(results, help_run, seed, args.seed_rows)
    print(f"\nbest of {args.repeat}; builds are `warehouse build` subprocesses; floor = the "
          f"same SQL run by DuckDB directly, in-process; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(table(rows))
    errors = [f"N={r.models}: {e}" for r in results for e in r.errors]
    for error in errors:
        print(error)
    if args.json:
        payload = {"environment": _environment(args), "results": [asdict(r) for r in results],
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
