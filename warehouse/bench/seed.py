"""Time `load_seed` against DuckDB's bare CSV reader on a 1,000,000-row CSV.

Not a test: timings depend on the machine. Run `python -m warehouse.bench.seed`, or
`python -m warehouse.bench`, whose table has this measure as its last row.
The goal is load_seed within 1.2x of `CREATE TABLE t AS SELECT * FROM read_csv(path)`,
the floor for loading a CSV into DuckDB at all. Each run uses a fresh database
file, as a build does; the best of several runs is reported, to see past noise.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from warehouse.bench.report import Build
from warehouse.core.identity import Relation

ROWS = 1_000_000
RUNS = 5
DECLARED = {"id": "bigint", "code": "bigint", "country": "varchar", "amount": "double",
            "day": "date", "qty": "integer", "note": "varchar"}


def write_csv(path: Path, rows: int = ROWS) -> None:
    """Columns a trade seed has: ids, codes, text, money, ISO dates, counts, quoted notes."""
    rnd = random.Random(1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id,code,country,amount,day,qty,note\n")
        for i in range(rows):
            f.write(f"{i},{rnd.randint(1000, 99999)},{rnd.choice(('VN', 'LA', 'TH'))},"
                    f"{rnd.random() * 1e6:.2f},2024-{rnd.randint(1, 12):02d}-"
                    f"{rnd.randint(1, 28):02d},{rnd.randint(0, 500)},\"note {i}, x\"\n")


def timed(work: Path, label: str, run: Callable[[object], int], rows: int) -> Build:
    """One load into a fresh database file (removed afterwards): wall and CPU seconds."""
    import duckdb

    db = work / f"{label}.duckdb"
    con = duckdb.connect(str(db))
    try:
        cpu, started = time.process_time(), time.perf_counter()
        loaded = run(con)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        con.close()
        db.unlink()
    if loaded != rows:
        raise RuntimeError(f"{label} loaded {loaded} rows, not {rows}")
    return Build(elapsed, cpu, None, 0)


BASELINE = "read_csv baseline"


def measure(work: Path, rows: int = ROWS, runs: int = RUNS) -> dict[str, Build]:
    """The best run of each method (the read_csv baseline first) on a CSV of `rows` rows."""
    from warehouse.adapters.duckdb.seeds import load_seed

    csv_path = work / "big.csv"
    write_csv(csv_path, rows)

    def baseline(con) -> int:
        path = str(csv_path).replace("'", "''")
        return con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')"
                           ).fetchall()[0][0]

    methods = {
        BASELINE: baseline,
        "load_seed, types inferred": lambda con: load_seed(con, csv_path, Relation("seeds", "t")),
        "load_seed, types declared":
            lambda con: load_seed(con, csv_path, Relation("seeds", "t"), DECLARED),
        "load_seed, dbt's types":  # a dbt project's seed: dbt-duckdb's inference
            lambda con: load_seed(con, csv_path, Relation("seeds", "t"), dbt_types=True),
    }
    # Round-robin, so a busy moment on the machine hits every method alike.
    best: dict[str, Build] = {}
    for _ in range(runs):
        for i, (label, run) in enumerate(methods.items()):
            result = timed(work, f"m{i}", run, rows)
            if label not in best or result.seconds < best[label].seconds:
                best[label] = result
    csv_path.unlink()
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        timings = measure(Path(tmp))
        print(f"{ROWS:,} rows, best of {RUNS} runs, fresh database file each")
        base = timings[BASELINE].seconds
        for label, run in timings.items():
            print(f"{label:<28} {run.seconds:6.3f} s  {run.seconds / base:5.2f}x  "
                  f"(cpu {run.cpu:.2f} s)")


if __name__ == "__main__":
    main()
