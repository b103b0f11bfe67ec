"""The floor: the project's own SQL run by DuckDB on one connection, nothing else.

`floor_statements` turns a loaded project into plain statements (every model as
`create or replace table|view ... as <sql>` in DAG order, every test as
`select count(*) from (<test sql>)`). They run in a subprocess of their own
(`python -m warehouse.bench.floor STATEMENTS.json DATABASE`), so that its
peak memory is measured the way the engine's is; the time it reports is the
SQL's alone, from connect to checkpoint (not Python's start-up or DuckDB's
import, which the engine's figure does include).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def floor_statements(project: Any, only: set[str] | None = None) -> list[str]:
    """The SQL the engine would run, as plain statements, from the loaded project; `only`:
    just these models (by name) and the tests on them, as a rebuild of them runs."""
    from warehouse.core.identity import NodeKind, quote_ident

    statements: list[str] = []
    schemas: list[str] = []
    for node_id in project.dag.topological_order():
        node = project.nodes[node_id]
        if node_id.kind is NodeKind.MODEL and (only is None or node.name in only):
            kind = "view" if node.materialized == "view" else "table"
            schema = node.relation.schema
            if schema not in schemas:
                schemas.append(schema)
                statements.append(f"create schema if not exists {quote_ident(schema)}")
            body = node.compiled_sql.strip().rstrip(";")
            statements.append(f"create or replace {kind} {node.relation.sql} as\n{body}")
        elif node_id.kind is NodeKind.TEST and (
                only is None or any(p.name in only for p in project.parents.get(node_id, ()))):
            body = node.sql.strip().rstrip(";")
            statements.append(f"select count(*) from (\n{body}\n)")
    return statements


def run_statements(statements: list[str], database: Path) -> tuple[float, float]:
    """Wall and CPU seconds of running `statements` into `database` and checkpointing."""
    import duckdb

    cpu, began = time.process_time(), time.perf_counter()
    con = duckdb.connect(str(database))
    try:
        for statement in statements:
            con.execute(statement).fetchall()
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    return time.perf_counter() - began, time.process_time() - cpu


def main(argv: list[str]) -> int:
    statements_file, database = Path(argv[0]), Path(argv[1])
    statements = json.loads(statements_file.read_text(encoding="utf-8"))
    import duckdb  # noqa: F401  (before the clock starts, as the engine's own import is not
    # part of DuckDB's work either)

    seconds, cpu = run_statements(statements, database)
    print(json.dumps({"seconds": seconds, "cpu": cpu}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
