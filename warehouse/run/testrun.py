"""Running data tests through an adapter session, and the message a person reads when one fails.

A test's SQL returns its failing rows; the session counts them and returns
the first few (`Session.failing_rows`), storing every one in schema
`test_failures` when `store_failures` is set. The verdict (pass, warn, fail)
is the test's config applied to the count. A database error while testing
is the test's result ('error'), not an exception: the build goes on around
it. The CLI and the pytest plugin print the same text, `failure_message`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.compile.datatests import TestConfig, config_from_mapping, evaluate
from warehouse.core.identity import Relation

FAILURES_SCHEMA = "test_failures"
CELL_WIDTH = 60
MAX_COLUMNS = 8
# display='records': rows shown when the test sets no limit, where long text wraps, and the
# longest one-line value kept whole (an id or a command line must copy as one line).
RECORDS_SHOWN = 50
WRAP_WIDTH = 100
KEEP_WHOLE = 140


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
    display: str = "table"  # how failure_message prints the rows: the test's `display`


def run_test(session: Any, test: Any, sql: str, *, store_relation: Relation | None = None,
             sample_size: int = 5, known_to_pass: bool = False) -> TestResult:
    """Run one test's SQL in an adapter session and judge it by its config.

    `test` is a TestSpec or anything with `.name` and `.config` (a test node).
    `limit` caps the failing rows counted, as dbt applies it to the query; a stored
    table holds every failing row. `sample_size` rows are kept for the table display;
    display='records' keeps every row up to the limit, or RECORDS_SHOWN.
    `known_to_pass`: the query is known to return no rows (run/testbatch.py counted
    them for a `plain_count` test), so it is judged without running it again."""
    from warehouse.adapters.base import DatabaseError, FailingRows

    config = _config_of(test)
    if config.display == "records":
        sample_size = RECORDS_SHOWN if config.limit is None else max(config.limit, 1)
    body = strip_sql(sql)
    began = time.perf_counter()
    try:
        found = FailingRows(0) if known_to_pass else session.failing_rows(
            body, limit=config.limit, sample_size=sample_size, store_as=store_relation)
    except DatabaseError as exc:
        return TestResult(test.name, "error", None, elapsed=time.perf_counter() - began,
                          message=db_message(exc), sql=body)
    count = found.count
    if _custom_fail_calc(config):
        try:
            count = _fail_calc(session, body, config)
        except DatabaseError as exc:
            return TestResult(test.name, "error", None, elapsed=time.perf_counter() - began,
                              message=db_message(exc), sql=body)
    status = evaluate(count, config)
    return TestResult(test.name, status, count, found.columns, found.rows,
                      elapsed=time.perf_counter() - began,
                      message=_summary(status, found.count, config), sql=body,
                      stored=store_relation, display=config.display)


def plain_count(test: Any) -> bool:
    """Whether the test's result is decided by its failing rows' count alone: no table of
    them to store, no `fail_calc` of its own (run/testbatch.py)."""
    config = _config_of(test)
    return not config.store_failures and not _custom_fail_calc(config)


def _custom_fail_calc(config: Any) -> bool:
    from warehouse.compile.testconfig import DEFAULT_FAIL_CALC

    calc = getattr(config, "fail_calc", DEFAULT_FAIL_CALC)
    return calc.replace(" ", "").lower() != DEFAULT_FAIL_CALC


def _fail_calc(session: Any, body: str, config: Any) -> int:
    """The test's `fail_calc` over its failing rows (after `limit`), as dbt's test
    materialization computes `failures`; no value (a sum over no rows) counts as 0."""
    limit = f"\nlimit {config.limit}" if config.limit is not None else ""
    _columns, rows = session.query(f"select {config.fail_calc} as failures from (\n{body}"
                                   f"{limit}\n) as dbt_internal_test")
    value = rows[0][0] if rows and rows[0] else None
    return int(value or 0)


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
    """The database's own message, without a traceback. The test's SQL starts on line 2
    of the query that ran (see adapters.base), so a `LINE n:` is shifted to be the test's own line
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
                    kind: str = "model", path: str | None = None,
                    location: str | None = None) -> str:
    """`FAIL 3 <test> (model m, column c; models/x.yml:12): 3 failing rows`, the first
    failing rows as a small table (or, with display='records', each row whole), and where
    all of them are stored. Singular tests (nothing attached) name their file; `location`
    is where the test is written."""
    if attached_to:
        what = f"{kind} {attached_to}" + (f", column {column_name}" if column_name else "")
    else:
        what = f"singular test {path}" if path else "singular test"
    if location and location != path:
        what += f"; {location}"
    status = result.status.upper()
    count = "" if result.failures is None else f" {result.failures}"
    lines = [f"{status}{count} {result.name} ({what}): {result.message}"]
    if result.rows:
        records = result.display == "records"
        shown = format_records(result.columns, result.rows, total=result.failures) \
            if records else format_table(result.columns, result.rows)
        lines += ["  " + row for row in shown]
        more = (result.failures or 0) - len(result.rows)
        if more > 0:
            lines.append(f"  ... and {more} more failing row" + ("" if more == 1 else "s")
                         + (f" (the first {len(result.rows)} are shown)" if records else ""))
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


def format_records(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                   total: int | None = None) -> list[str]:
    """display='records': each row a block of `column: value` lines, nothing cut, so a
    failing row can be read (and its ids copied) from the build's output alone. A value too
    long for its line goes under the column name, wrapped at word boundaries; `total` is
    the number of failing rows, for each block's heading."""
    names = list(columns) or [f"col{i + 1}" for i in range(len(rows[0]) if rows else 0)]
    pad = min(max((len(n) for n in names), default=0), 24)
    total = max(total or 0, len(rows))
    out: list[str] = []
    for number, row in enumerate(rows, 1):
        out.append(f"failing row {number} of {total}:")
        for name, value in zip(names, row, strict=False):
            out += ["  " + line for line in _record_field(name, value, pad)]
    return out


def _record_field(name: str, value: Any, pad: int) -> list[str]:
    """`name: value` on one line when it fits in WRAP_WIDTH; else `name:` and the value on
    the lines under it: whole up to KEEP_WHOLE characters (an id or a command line copies
    as one line), longer text wrapped at word boundaries. Line breaks in a value are kept."""
    import textwrap

    text = "null" if value is None else str(value)
    parts = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").split("\n")
    head = f"{name}:".ljust(pad + 1)
    if len(parts) == 1 and len(head) + 1 + len(text) <= WRAP_WIDTH:
        return [f"{head} {text}".rstrip()]
    lines = [f"{name}:"]
    for part in parts:
        if len(part) <= KEEP_WHOLE:
            lines.append(f"  {part}".rstrip())
        else:
            lines += ["  " + w for w in textwrap.wrap(part, WRAP_WIDTH, break_long_words=False,
                                                      break_on_hyphens=False)]
    return lines


# ---------------------------------------------------------------------------
# Test nodes (what the runner and the pytest plugin hold)
# ---------------------------------------------------------------------------

def run_test_node(session: Any, node: Any, *, store: bool = True, sample_size: int = 5,
                  root: Path | None = None, known_to_pass: bool = False):
    """Run a loaded test node and return the runner's NodeResult, message included.

    `store=False` (a read-only database, as in the pytest plugin) skips store_failures.
    `root` is the project folder, to place a failure at the line that caused it.
    `known_to_pass`: see `run_test`."""
    from warehouse.run.results import NodeResult
    from warehouse.run.test_location import test_location

    config = _config_of(node)
    relation = Relation(FAILURES_SCHEMA, _alias(node)) if store and config.store_failures \
        else None
    result = run_test(session, node, node.sql, store_relation=relation,
                      sample_size=sample_size, known_to_pass=known_to_pass)
    message = "" if result.status == "pass" else failure_message(
        result, node.attached_to, node.column_name, kind=_kind_of(node), path=node.path,
        location=test_location(node, result.message if result.status == "error" else "",
                               root))
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


def _alias(node: Any) -> str:
    """The table a test's failing rows are stored in: dbt's shortened name of the test."""
    from warehouse.compile.datatests import short_test_name

    return short_test_name(node.name, node.test_name, node.attached_to)
