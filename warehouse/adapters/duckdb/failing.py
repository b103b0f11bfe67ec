"""A data test's queries on DuckDB: its failing rows counted, sampled and stored.

Most tests pass, so a test's query is counted first and sampled only when it
returns rows; the tests of one model can be counted in one query (a query's
fixed cost is most of a small test's, see run/testbatch.py). DuckDBSession
wraps these with its error translation and its timing of the build's work.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from warehouse.adapters.base import FailingRows
from warehouse.core.identity import Relation, quote_ident

_COUNT_COLUMN = "__warehouse_failures"


def test_counts(con: Any, queries: Sequence[str]) -> list[int]:
    """The row count of each test query, in one query."""
    counts = ", ".join(f"(select count(*) from (\n{sql}\n) as failing_rows_{i})"
                       for i, sql in enumerate(queries))
    row = con.execute(f"select {counts}").fetchall()[0]
    return [int(n) for n in row]


def failing_rows(con: Any, sql: str, catalog: Any, *, limit: int | None, sample_size: int,
                 store_as: Relation | None) -> FailingRows:
    """The query runs once: stored first when asked (then counted from the table, recorded
    in `catalog`), and a plain count before any sample."""
    if store_as is not None:
        store(con, store_as, sql)
        catalog.record(store_as, "table")
        source = store_as.sql
    else:
        source = f"(\n{sql}\n) as failing_rows"
    if limit is not None:
        source = f"(select * from {source} limit {limit}) as limited_rows"
    # DuckDB 2.0: always fetchall(), an unfinished result blocks the next query.
    if con.execute(f"select count(*) from {source}").fetchall()[0][0] == 0:
        return FailingRows(0)
    result = con.execute(f"select count(*) over () as {_COUNT_COLUMN}, * "
                         f"from {source} limit {max(1, sample_size)}")
    fetched = result.fetchall()
    columns = tuple(d[0] for d in (result.description or ())[1:])
    count = int(fetched[0][0]) if fetched else 0
    return FailingRows(count, columns, tuple(tuple(r[1:]) for r in fetched[:sample_size]))


def store(con: Any, relation: Relation, sql: str) -> None:
    """Every failing row, in a table an analyst can query; replaced on each run, so an
    empty table means the last run found nothing."""
    from warehouse.adapters.duckdb.driver import duckdb

    for attempt in range(5):
        try:
            con.execute(f"create schema if not exists {quote_ident(relation.schema)}"
                        ).fetchall()
            break
        except duckdb.TransactionException:  # another thread created it at the same time
            if attempt == 4:
                raise
            time.sleep(0.02 * (attempt + 1))
    con.execute(f"create or replace table {relation.sql} as select * from (\n{sql}\n) "
                "as failing_rows").fetchall()
