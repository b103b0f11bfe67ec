"""Running data tests against DuckDB, and the message a person reads when one fails.

A test's SQL returns its failing rows. The count and the first few rows come
back in one query (the count as a window over all failing rows), so a test
runs its SQL once; with `store_failures` the rows go to a table in schema
`test_failures` first, and the count and sample are read from there. A DuckDB
error while testing is the test's result ('error'), not an exception: the
build goes on around it. The CLI and the pytest plugin print the same text,
`failure_message`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warehouse.compile.datatests import TestConfig, config_from_mapping, evaluate
from warehouse.core.identity import Relation, quote_ident

FAILURES_SCHEMA = "test_failures"
CELL_WIDTH = 60
MAX_COLUMNS = 8
_COUNT_COLUMN = "__warehouse_failures"


@dataclass(frozen=True)
class TestResult:
    """The outcome of one test: status, failing-row count and the first failing rows."""

    __test__ = False  # not a pytest class

    name: str
    status: str  # 'pass' | 'warn' | 'fail' | 'error'
    failures: int | None  # None when the SQL did not run
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    elapsed: float = 0.0
    message: str = ""  # '3 failing rows (…)', or DuckDB's error
    sql: str = ""
    stored: Relation | None = None


def run_test(cur: Any, test: Any, sql: str, *, store_relation: Relation | None = None,
             sample_size: int = 5) -> TestResult:
    """Run one test's SQL on a DuckDB cursor and judge it by its config.

    `test` is a TestSpec or anything with `.name` and `.config` (a test node).
    `limit` caps the failing rows counted, as dbt applies it to the query; a stored
    table holds every failing row."""
    import duckdb

    config = _config_of(test)
    body = strip_sql(sql)
    began = time.perf_counter()
    try:
        if store_relation is not None:
            _store(cur, store_relation, body)
            source = store_relation.sql
        else:
            source = f"(\n{body}\n) as failing_rows"
        if config.limit is not None:
            source = f"(select * from {source} limit {config.limit}) as limited_rows"
        failures, columns, rows = _count_and_sample(cur, source, sample_size)
    except duckdb.Error as exc:
        return TestResult(test.name, "error", None, elapsed=time.perf_counter() - began,
                          message=db_message(exc), sql=body)
    status = evaluate(failures, config)
    return TestResult(test.name, status, failures, columns, rows,
                      elapsed=time.perf_counter() - began,
                      message=_summary(status, failures, config), sql=body,
                      stored=store_relation)


def strip_sql(sql: str) -> str:
    """The query without trailing semicolons and comments, ready to wrap in a subquery
    (`select …; -- note` is a common last line of a singular test). Leading lines stay,
    so line numbers in DuckDB's errors are the rendered file's."""
    stripped = sql.rstrip()
    last_line = stripped.rsplit("\n", 1)[-1]
    if not any(mark in last_line for mark in (";", "--", "*/")):
        return stripped  # nothing to strip: skip the tokenizer (the usual case)
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import SqlglotError
    from sqlglot.tokens import TokenType

    try:
        tokens = Dialect.get_or_raise("duckdb").tokenize(sql)
    except SqlglotError:  # DuckDB will say what is wrong with it
        return sql.rstrip().rstrip(";").rstrip()
    while tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens.pop()
    return sql[:tokens[-1].end + 1] if tokens else ""


def db_message(exc: BaseException, line_offset: int = 1) -> str:
    """DuckDB's own message, without a traceback. The test's SQL starts on line 2 of
    the query that ran, so DuckDB's `LINE n:` is shifted to be the test's own line
    (padded so the caret under it stays aligned)."""
    text = str(exc).strip() or type(exc).__name__

    def shift(match: re.Match) -> str:
        old = match.group(0)
        new = f"LINE {max(1, int(match.group(1)) - line_offset)}:"
        return new.ljust(len(old))

    return re.sub(r"^LINE (\d+):", shift, text, flags=re.M)


def _config_of(test: Any) -> TestConfig:
    config = getattr(test, "config", None)
    if config is None:
        return TestConfig()
    if isinstance(config, Mapping):
        return config_from_mapping(config, path=getattr(test, "path", "") or "")
    return config


def _count_and_sample(cur: Any, source: str,
                      sample_size: int) -> tuple[int, tuple[str, ...], tuple[tuple, ...]]:
    # DuckDB 2.0: always fetchall(), an unfinished result blocks the next query.
    # A plain count first: most tests pass, and then no sample is needed.
    if cur.execute(f"select count(*) from {source}").fetchall()[0][0] == 0:
        return 0, (), ()
    query = (f"select count(*) over () as {_COUNT_COLUMN}, * from {source} "
             f"limit {max(1, sample_size)}")
    fetched = cur.execute(query).fetchall()
    columns = tuple(d[0] for d in (cur.description or ())[1:])
    failures = int(fetched[0][0]) if fetched else 0
    rows = tuple(tuple(r[1:]) for r in fetched[:max(0, sample_size)])
    return failures, columns, rows


def _store(cur: Any, relation: Relation, body: str) -> None:
    """Every failing row, in a table an analyst can query; replaced on each run, so an
    empty table means the last run found nothing."""
    import duckdb

    for attempt in range(5):
        try:
            cur.execute(f"create schema if not exists {quote_ident(relation.schema)}").fetchall()
            break
        except duckdb.TransactionException:  # another thread created it at the same moment
            if attempt == 4:
                raise
            time.sleep(0.02 * (attempt + 1))
    cur.execute(f"create or replace table {relation.sql} as select * from (\n{body}\n) "
                "as failing_rows").fetchall()


def _plural(n: int) -> str:
    return f"{n} failing row" + ("" if n == 1 else "s")


def _summary(status: str, failures: int, config: TestConfig) -> str:
    notes = []
    if config.limit is not None:
        notes.append(f"limit {config.limit}")
    if status == "fail" and config.error_if != "!=0":
        notes.append(f"error_if {config.error_if}")
    elif status == "warn":
        notes.append("severity warn" if config.severity == "warn" and (
            config.warn_if == "!=0") else f"warn_if {config.warn_if}")
    elif status == "pass" and failures:
        notes.append(f"within thresholds: warn_if {config.warn_if}, "
                     f"error_if {config.error_if}")
    return _plural(failures) + (f" ({'; '.join(notes)})" if notes else "")


# ---------------------------------------------------------------------------
# What a person sees
# ---------------------------------------------------------------------------

def failure_message(result: TestResult, attached_to: str | None, column_name: str | None, *,
                    kind: str = "model", path: str | None = None) -> str:
    """`FAIL 3 <test> (model m, column c): 3 failing rows`, the first failing rows as a
    small table, and where all of them are stored. Singular tests (nothing attached)
    name their file."""
    if attached_to:
        what = f"{kind} {attached_to}" + (f", column {column_name}" if column_name else "")
    else:
        what = f"singular test {path}" if path else "singular test"
    status = result.status.upper()
    count = "" if result.failures is None else f" {result.failures}"
    lines = [f"{status}{count} {result.name} ({what}): {result.message}"]
    if result.rows:
        lines += ["  " + row for row in format_table(result.columns, result.rows)]
        more = (result.failures or 0) - len(result.rows)
        if more > 0:
            lines.append(f"  ... and {more} more failing row" + ("" if more == 1 else "s"))
    if result.stored is not None and result.status != "error":
        lines.append(f"failing rows stored in {result.stored}")
    return "\n".join(lines)


def format_cell(value: Any, width: int = CELL_WIDTH) -> str:
    """A value as one short line: null for NULL, long text cut with '...'."""
    text = "null" if value is None else str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")
    return text if len(text) <= width else text[:max(1, width - 3)] + "..."


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 max_columns: int = MAX_COLUMNS) -> list[str]:
    """Rows as aligned text lines (header, rule, rows); wide results keep their first
    columns and say how many were left out."""
    shown = list(columns[:max_columns]) or [f"col{i + 1}" for i in range(len(rows[0]))]
    cells = [[format_cell(c) for c in shown]]
    cells += [[format_cell(v) for v in row[:len(shown)]] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(shown))]
    out = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
           for r in cells]
    out.insert(1, "-+-".join("-" * w for w in widths))
    if len(columns) > max_columns:
        out[0] += f"   (+{len(columns) - max_columns} more columns)"
    return out


# ---------------------------------------------------------------------------
# Test nodes (what the runner and the pytest plugin hold)
# ---------------------------------------------------------------------------

def run_test_node(cur: Any, node: Any, *, store: bool = True, sample_size: int = 5):
    """Run a loaded test node and return the runner's NodeResult, message included.

    `store=False` (a read-only database, as in the pytest plugin) skips store_failures."""
    from warehouse.run.results import NodeResult

    config = _config_of(node)
    relation = Relation(FAILURES_SCHEMA, node.name) if store and config.store_failures \
        else None
    result = run_test(cur, node, node.sql, store_relation=relation, sample_size=sample_size)
    message = "" if result.status == "pass" else failure_message(
        result, node.attached_to, node.column_name, kind=_kind_of(node), path=node.path)
    return NodeResult(
        node.id, result.status, elapsed=result.elapsed, message=message,
        failures=result.failures,
        relation=str(result.stored) if result.stored and result.status != "error" else None,
        detail={"sample_columns": list(result.columns),
                "sample_rows": [list(r) for r in result.rows]})


def _kind_of(node: Any) -> str:
    """'model', 'seed' or 'source': the kind of the node the test is attached to."""
    attached = getattr(node, "attached_to", None)
    for dep in getattr(node, "depends_on", ()):
        if dep.name == attached or dep.name.endswith(f".{attached}"):
            return dep.kind.value
    return "model"
