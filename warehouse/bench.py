"""Benchmark: how much time the engine adds on top of DuckDB running the same SQL.

    python -m warehouse.bench [--models 100 300] [--rows 10000] [--threads 1]
                              [--repeat 1] [--json results.json] [--keep DIR]

For each model count N it generates, in a temporary folder, a deterministic
(seeded) warehouse project: a few root tables built from `range()`, then
layers of models each reading 1-3 models of earlier layers, mostly tables
and some views, with `unique`/`not_null` tests on every model's key. Then it
measures

* the floor: the project's own compiled SQL (`create or replace table|view
  ... as <compiled sql>` in topological order, and every test as
  `select count(*) from (<test sql>)`) run by DuckDB on one connection, one
  statement at a time, into a fresh database file;
* `warehouse build` cold (fresh database) in-process, split into loading the
  project (render + parse + plan) and running it;
* `warehouse build` cold as a subprocess (wall time: interpreter start-up,
  imports, manifest and run results all count);
* `warehouse --help` start-up, best of 5.

The engine overhead is cold build minus floor, per model. Times are the best
of `--repeat` runs. This is a measurement, not a test: nothing here fails
because something is slow.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SEED = 20261101
COLUMNS = ("id", "a", "b", "c")


# ---------------------------------------------------------------------------
# The generated project
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GeneratedModel:
    name: str
    layer: int  # 0 for the root tables
    parents: tuple[str, ...]
    materialized: str  # "table" or "view"
    tests: tuple[str, ...]  # generic tests on the key column
    sql: str  # the Jinja template, as written to models/<layer>/<name>.sql


@dataclass(frozen=True)
class GeneratedProject:
    models: tuple[GeneratedModel, ...]
    rows: int

    @property
    def n_tests(self) -> int:
        return sum(len(m.tests) for m in self.models)

    @property
    def n_views(self) -> int:
        return sum(m.materialized == "view" for m in self.models)

    @property
    def layers(self) -> int:
        return 1 + max(m.layer for m in self.models)

    def files(self) -> dict[str, str]:
        """Project-relative path → text, everything the engine reads."""
        out: dict[str, str] = {"pyproject.toml": _pyproject(self), "macros/bench.sql": _MACROS}
        by_layer: dict[int, list[GeneratedModel]] = {}
        for model in self.models:
            by_layer.setdefault(model.layer, []).append(model)
            out[f"models/{_folder(model.layer)}/{model.name}.sql"] = model.sql
        for layer, models in sorted(by_layer.items()):
            out[f"models/{_folder(layer)}/schema.yml"] = _schema_yml(models)
        return out

    def write(self, root: Path) -> Path:
        for rel, text in self.files().items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (root / "seeds").mkdir(exist_ok=True)
        return root


_MACROS = """\
{% macro bump(col, n) %}({{ col }} + {{ n }}){% endmacro %}

{% macro mean(cols) %}({{ cols | join(' + ') }}) / {{ cols | length }}{% endmacro %}
"""


def _folder(layer: int) -> str:
    return "base" if layer == 0 else f"layer_{layer:02d}"


def _pyproject(project: GeneratedProject) -> str:
    lines = [
        "[tool.warehouse]",
        'name = "bench"',
        'database = "warehouse.duckdb"',
        "threads = 1",
        "",
        "[tool.warehouse.vars]",
        f"rows = {project.rows}",
        "",
        "[tool.warehouse.models]",
        '"+materialized" = "table"',
    ]
    for layer in range(project.layers):
        lines += ["", f"[tool.warehouse.models.{_folder(layer)}]",
                  f'"+schema" = "{_folder(layer)}"']
    return "\n".join(lines) + "\n"


def _schema_yml(models: list[GeneratedModel]) -> str:
    lines = ["version: 2", "", "models:"]
    for m in models:
        lines += [f"  - name: {m.name}",
                  f"    description: Generated model {m.name} (layer {m.layer}).",
                  "    columns:",
                  "      - name: id",
                  "        description: The key.",
                  "        data_tests:"]
        lines += [f"          - {t}" for t in m.tests]
        lines += ["      - name: a", "      - name: b", "      - name: c"]
    return "\n".join(lines) + "\n"


def generate(n_models: int, rows: int, *, seed: int = SEED) -> GeneratedProject:
    """A layered DAG of `n_models` models; the same arguments give the same project."""
    if n_models < 4:
        raise ValueError("the benchmark needs at least 4 models")
    rng = random.Random(f"{seed}:{n_models}:{rows}")
    n_roots = max(3, min(10, n_models // 30))
    n_layers = max(3, n_models.bit_length() - 1)  # 100 -> 6, 300 -> 8, 500 -> 8, 2000 -> 10
    rest = n_models - n_roots
    sizes = [rest // n_layers + (1 if i < rest % n_layers else 0) for i in range(n_layers)]

    models: list[GeneratedModel] = []
    layers: list[list[str]] = []
    counter = iter(range(n_models))

    def name() -> str:
        return f"m_{next(counter):04d}"

    roots = []
    for _ in range(n_roots):
        nm = name()
        roots.append(nm)
        models.append(GeneratedModel(nm, 0, (), "table", _tests(rng), _root_sql(rng)))
    layers.append(roots)
    for layer, size in enumerate(sizes, start=1):
        current = []
        earlier = [m for ms in layers for m in ms]
        for _ in range(size):
            nm = name()
            fan_in = rng.choices((1, 2, 3), weights=(4, 4, 2))[0]
            first = rng.choice(layers[-1])  # keeps the DAG as deep as its layers
            others = [m for m in earlier if m != first]
            parents = (first, *rng.sample(others, min(fan_in - 1, len(others))))
            materialized = "view" if rng.random() < 0.25 else "table"
            sql = _layer_sql(rng, parents, materialized)
            models.append(GeneratedModel(nm, layer, parents, materialized, _tests(rng), sql))
            current.append(nm)
        layers.append(current)
    return GeneratedProject(tuple(models), rows)


def _tests(rng: random.Random) -> tuple[str, ...]:
    return rng.choice([("unique", "not_null"), ("unique", "not_null"), ("unique",),
                       ("not_null",)])


def _root_sql(rng: random.Random) -> str:
    mul, mod, grp = rng.choice((7919, 104729, 15485863)), rng.choice((1000, 997, 5000)), \
        rng.choice((50, 97, 211))
    return (
        "-- a seed-like root table\n"
        f"select i as id, (i * {mul}) % {mod} as a, (i % {grp}) * 1.5 as b,\n"
        f"       'k' || (i % {grp}) as c\n"
        "from range({{ var('rows') }}) as t(i)\n"
    )


def _layer_sql(rng: random.Random, parents: tuple[str, ...], materialized: str) -> str:
    head = "{{ config(materialized='view') }}\n" if materialized == "view" else ""
    if len(parents) == 1:
        src = f"{{{{ ref('{parents[0]}') }}}}"
        n = rng.randint(1, 9)
        body = rng.choice([
            f"select id, a + {n} as a, b * 1.01 as b, c\nfrom {src}\n",
            f"select id, {{{{ bump('a', {n}) }}}} as a, round(b, 2) as b, upper(c) as c\n"
            f"from {src}\nwhere a >= 0\n",
            f"select id, a, b + avg(b) over (partition by a % {n + 1}) as b, c\nfrom {src}\n",
            f"with base as (\n    select * from {src}\n)\n"
            f"select id, a * 2 - {n} as a, b, lower(c) as c\nfrom base\n",
        ])
        return head + body
    refs = [f"{{{{ ref('{p}') }}}}" for p in parents]
    cols_a = [f"p{i}.a" for i in range(len(parents))]
    joins = "".join(f"join {r} as p{i} on p{i}.id = p0.id\n"
                    for i, r in enumerate(refs[1:], start=1))
    if rng.random() < 0.5:
        return head + (
            f"select p0.id, {' + '.join(cols_a)} as a,\n"
            f"       {{{{ mean({[f'p{i}.b' for i in range(len(parents))]}) }}}} as b,\n"
            f"       p{len(parents) - 1}.c as c\n"
            f"from {refs[0]} as p0\n{joins}"
        )
    return head + (
        "with joined as (\n"
        f"    select p0.id, p0.a, p1.b, p0.c from {refs[0]} as p0\n"
        f"    left join {refs[1]} as p1 on p1.id = p0.id\n"
        ")\n"
        "select id, coalesce(a, 0) as a, coalesce(b, 0) as b, c\nfrom joined\n"
        + "".join(f"where id <= (select max(id) from {r})\n" for r in refs[2:3])
    )


# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------

@dataclass
class Result:
    models: int
    rows: int
    tests: int
    views: int
    layers: int
    threads: int
    floor_s: float | None = None
    load_s: float | None = None
    run_s: float | None = None
    engine_s: float | None = None  # in-process: load + run
    cli_s: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.cli_s is None or not self.floor_s:
            return None
        return self.cli_s / self.floor_s

    def overhead_ms(self, total: float | None) -> float | None:
        if total is None or self.floor_s is None:
            return None
        return (total - self.floor_s) / self.models * 1000

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio_cli_to_floor"] = self.ratio
        out["overhead_ms_per_model_cli"] = self.overhead_ms(self.cli_s)
        out["overhead_ms_per_model_in_process"] = self.overhead_ms(self.engine_s)
        return out


def _fresh(root: Path) -> None:
    """Remove everything a build leaves, so the next one is cold."""
    shutil.rmtree(root / "target", ignore_errors=True)
    for path in root.glob("*.duckdb*"):
        path.unlink()


def _floor_statements(project: Any) -> list[str]:
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

    if database.exists():
        database.unlink()
    began = time.perf_counter()
    con = duckdb.connect(str(database))
    try:
        for statement in statements:
            con.execute(statement).fetchall()
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    return time.perf_counter() - began


def run_in_process(root: Path, threads: int) -> tuple[float, float, int]:
    """(load seconds, run seconds, exit code) of one cold `build` through the library."""
    from warehouse.console import Console
    from warehouse.project import load_project
    from warehouse.runner import RunOptions, execute

    _fresh(root)
    began = time.perf_counter()
    project = load_project(root)
    loaded = time.perf_counter()
    result = execute(project, RunOptions(command="build", threads=threads),
                     Console(io.StringIO(), colour=False))
    done = time.perf_counter()
    return loaded - began, done - loaded, result.exit_code


def _warehouse_command() -> list[str]:
    script = Path(sys.executable).parent / "warehouse"
    return [str(script)] if script.exists() else [sys.executable, "-m", "warehouse.cli"]


def run_cli(root: Path, threads: int) -> tuple[float, subprocess.CompletedProcess]:
    _fresh(root)
    cmd = [*_warehouse_command(), "build", "--project-dir", str(root), "--threads", str(threads)]
    began = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    return time.perf_counter() - began, proc


def time_help(times: int = 5) -> float | None:
    best = None
    for _ in range(times):
        began = time.perf_counter()
        proc = subprocess.run([*_warehouse_command(), "--help"], capture_output=True, env=_env())
        elapsed = time.perf_counter() - began
        if proc.returncode != 0:
            return None
        best = elapsed if best is None else min(best, elapsed)
    return best


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    return env


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def bench_one(n_models: int, rows: int, threads: int, repeat: int, workdir: Path,
              log: Callable[[str], None]) -> Result:
    """Generate a project of `n_models` and measure it; repeats are interleaved (floor,
    in-process, CLI, floor, ...) so that load from other processes hits all three alike,
    and the best of each is kept."""
    generated = generate(n_models, rows)
    root = generated.write(workdir / f"bench_{n_models}")
    res = Result(n_models, rows, generated.n_tests, generated.n_views, generated.layers, threads)
    log(f"N={n_models}: {generated.n_tests} tests, {generated.n_views} views, "
        f"{generated.layers} layers, in {root}")

    from warehouse.project import load_project

    try:
        statements = _floor_statements(load_project(root))
    except Exception as exc:  # the engine cannot load the project: report, don't crash
        res.errors.append(f"load_project: {type(exc).__name__}: {exc}")
        log(f"  load_project failed: {type(exc).__name__}: {exc}")
        return res
    floor_db = workdir / f"floor_{n_models}.duckdb"
    for attempt in range(1, repeat + 1):
        known_errors = len(res.errors)
        floor_s = run_floor(statements, floor_db)
        res.floor_s = _min(res.floor_s, floor_s)
        line = f"  run {attempt}/{repeat}: floor {floor_s:.2f} s ({len(statements)} statements)"
        if not any(e.startswith("in-process") for e in res.errors):
            try:
                load_s, run_s, code = run_in_process(root, threads)
            except Exception as exc:
                res.errors.append(f"in-process build: {type(exc).__name__}: {exc}")
            else:
                if code != 0:
                    res.errors.append(f"in-process build exited {code}")
                elif res.engine_s is None or load_s + run_s < res.engine_s:
                    res.load_s, res.run_s, res.engine_s = load_s, run_s, load_s + run_s
                line += f", in-process {load_s + run_s:.2f} s ({load_s:.2f} + {run_s:.2f})"
        if not any(e.startswith("`warehouse build`") for e in res.errors):
            elapsed, proc = run_cli(root, threads)
            if proc.returncode == 0:
                res.cli_s = _min(res.cli_s, elapsed)
                line += f", CLI {elapsed:.2f} s"
            else:
                res.errors.append(f"`warehouse build` exited {proc.returncode}: "
                                  f"{_tail(proc.stderr or proc.stdout)}")
        log(line)
        for err in res.errors[known_errors:]:
            log(f"  {err}")
    for leftover in workdir.glob(floor_db.name + "*"):
        leftover.unlink()
    return res


def _min(best: float | None, value: float) -> float:
    return value if best is None else min(best, value)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(results: list[Result], help_s: float | None) -> str:
    head = ("N", "rows", "tests", "floor s", "in-process s (load + run)", "CLI cold s",
            "CLI/floor", "ovh ms/model CLI", "in-proc")
    body = []
    for r in results:
        inproc = "-" if r.engine_s is None else (
            f"{r.engine_s:.2f} ({r.load_s:.2f} + {r.run_s:.2f})")
        body.append((str(r.models), str(r.rows), str(r.tests), _fmt(r.floor_s, ".2f"), inproc,
                     _fmt(r.cli_s, ".2f"), _fmt(r.ratio, ".1f") + ("x" if r.ratio else ""),
                     _fmt(r.overhead_ms(r.cli_s), ".1f"),
                     _fmt(r.overhead_ms(r.engine_s), ".1f")))
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    lines.append("")
    lines.append(f"warehouse --help: {_fmt(help_s, '.3f')} s (best of 5)")
    for r in results:
        for err in r.errors:
            lines.append(f"N={r.models}: {err}")
    return "\n".join(lines)


def _environment(threads: int, repeat: int) -> dict[str, Any]:
    import duckdb
    import sqlglot

    return {"python": platform.python_version(), "duckdb": duckdb.__version__,
            "sqlglot": sqlglot.__version__, "platform": platform.platform(),
            "cpus": os.cpu_count(), "threads": threads, "repeat": repeat, "seed": SEED}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.bench",
        description="Engine overhead over DuckDB on generated projects (a benchmark, not a test).")
    parser.add_argument("--models", type=int, nargs="+", default=[100, 300],
                        help="model counts to generate (default: 100 300)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows per table (default 10000)")
    parser.add_argument("--threads", type=int, default=1,
                        help="engine threads (default 1: the floor runs one statement at a time)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measure, interleaved; the best is kept (default 3)")
    parser.add_argument("--json", type=Path, default=None, help="save the results as JSON")
    parser.add_argument("--keep", type=Path, default=None,
                        help="generate into this folder and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    if min(args.models) < 4 or args.rows < 1 or args.threads < 1 or args.repeat < 1:
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
        results = [bench_one(n, args.rows, args.threads, args.repeat, workdir, log)
                   for n in args.models]
    finally:
        if cleanup:
            cleanup.cleanup()
    help_s = time_help()
    print(f"\nwarehouse build, cold, threads={args.threads}, best of {args.repeat}; "
          f"floor = the same SQL run by DuckDB directly")
    print(table(results, help_s))
    if args.json:
        payload = {"environment": _environment(args.threads, args.repeat),
                   "help_s": help_s, "results": [r.as_dict() for r in results]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"\nresults saved to {args.json}")
    return 0 if all(not r.errors for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
