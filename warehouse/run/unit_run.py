"""Running a unit test: each input a typed CTE of the given rows, the model's SQL over them,
and its rows compared with the expected ones (run/unit_diff.py).

Nothing upstream is built for it. The rows are typed like the real input, so
that a date given as '2025-01-31' is a DATE where the model subtracts days
from it, and a column the rows leave out is a NULL of the right type. The
types come from, in this order:

1. the input's relation in the warehouse the test runs against (the working
   copy in `build`, where the model's parents were just built; the published
   warehouse in `test`): dbt's rule, and the types the model meets in
   production;
2. else the input model's own SQL, described without running it (`DESCRIBE`
   only binds the query): an input never built whose own inputs exist;
3. else the types the project declares (`data_type:` of its columns, a seed's
   `column_types`), and the given values' own types for the rest (YAML's
   numbers, dates and booleans; CSV text read as numbers or ISO dates when
   every value is one). A column the project documents is there even when the
   rows leave it out (a NULL); one neither documented nor given is unknown,
   and a model that reads it fails with a hint to give it or build the input
   once.

dbt stops at 1 (the input must exist in the warehouse); 2 and 3 let a unit test
run before anything is built, as in a fresh checkout. Expected rows are typed
by the columns the model returns, and only the columns they name are compared.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warehouse.adapters.base import DatabaseError
from warehouse.compile.resolve import prepend_ctes
from warehouse.core.identity import quote_ident, sql_literal
from warehouse.core.nodes import Fixture, UnitTestNode
from warehouse.run.results import NodeResult
from warehouse.run.testrun import db_message
from warehouse.run.unit_diff import compare, diff_lines

_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


class UnitTestProblem(Exception):
    """A unit test that cannot run as written (a column its input does not have), located
    at the line of the entry to fix."""

    def __init__(self, message: str, line: int | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


@dataclass(frozen=True)
class Typed:
    """An input's columns and types, and what they were learnt from (for messages)."""

    columns: tuple[tuple[str, str | None], ...]
    source: str  # 'warehouse' | 'model SQL' | 'given values'


def run_unit_test_node(session: Any, node: UnitTestNode) -> NodeResult:
    """Run one unit test in an adapter session: pass, fail (with the diff) or error."""
    began = time.perf_counter()
    typed: dict[str, Typed] = {}
    try:
        diff = _evaluate(session, node, typed)
    except UnitTestProblem as problem:
        status, summary, lines = "error", problem.message, [f"hint: {problem.hint}"] \
            if problem.hint else []
        location = f"{node.path}:{problem.line}" if problem.line else _location(node)
        return _result(node, status, summary, lines, began, typed, location)
    except DatabaseError as exc:
        lines = [db_message(exc, line_offset=0)]
        guessed = [label for label, t in typed.items() if t.source == "given values"]
        if guessed and re.search(r"not found|does not have a column|Binder Error", str(exc)):
            lines.append(f"hint: {', '.join(guessed)} had no relation in the warehouse, so "
                         "its columns were taken from its rows: give every column the model "
                         "reads, or build the input once so its columns are known")
        return _result(node, "error", "the model's SQL failed on the given rows", lines,
                       began, typed)
    if diff.equal:
        return _result(node, "pass", "", [], began, typed, failures=0)
    return _result(node, "fail", diff.summary, diff_lines(diff), began, typed,
                   failures=len(diff.missing) + len(diff.unexpected))


def _location(node: UnitTestNode) -> str:
    return f"{node.path}:{node.line}" if node.line else node.path


def _result(node: UnitTestNode, status: str, summary: str, lines: list[str], began: float,
            typed: Mapping[str, Typed], location: str | None = None,
            failures: int | None = None) -> NodeResult:
    message = ""
    if status != "pass":
        head = (f"{status.upper()} unit test {node.model}.{node.name} (model {node.model}; "
                f"{location or _location(node)}): {summary}")
        message = "\n".join([head, *("  " + line for line in "\n".join(lines).splitlines())])
    return NodeResult(node.id, status, elapsed=time.perf_counter() - began, message=message,
                      failures=failures,
                      detail={"kind": "unit test",
                              "typed_by": {label: t.source for label, t in typed.items()}})


def unit_sql(session: Any, node: UnitTestNode, typed: dict[str, Typed] | None = None) -> str:
    """The model's SQL with a CTE of typed rows for each input: what the test runs."""
    typed = {} if typed is None else typed
    ctes = []
    for fixture in node.given:
        if fixture.format == "sql":
            body = fixture.sql
        else:
            known = input_types(session, fixture)
            typed[fixture.label] = known
            body = rows_sql(fixture, known, what=fixture.label)
        ctes.append(f"{quote_ident(fixture.cte)} as (\n{body}\n)")
    return prepend_ctes(node.sql, ctes) if ctes else node.sql


def _evaluate(session: Any, node: UnitTestNode, typed: dict[str, Typed]) -> Any:
    """The model runs once, into a temporary table of this connection (planning a large
    model's SQL costs more than its few rows): its types and its rows are read from there."""
    import uuid

    table = quote_ident(f"__unit_actual_{uuid.uuid4().hex[:12]}")
    session.execute(f"create temp table {table} as\n{unit_sql(session, node, typed)}")
    try:
        return _compare(session, node, table)
    finally:
        session.execute(f"drop table if exists {table}")


def _compare(session: Any, node: UnitTestNode, table: str) -> Any:
    sql = f"select * from {table}"
    returned = describe(session, sql)
    expect = node.expect
    if expect.format == "sql":
        names = [c for c, _ in describe(session, expect.sql)]
        columns = _known_columns(names, returned, expect, "the expected query")
        expected_sql = f"select {_select(columns)} from (\n{expect.sql}\n) as expected"
    else:
        names = list(dict.fromkeys(c for row in expect.rows for c, _ in row))
        if not names:  # `rows: []`: the model must return no rows at all
            names = [c for c, _ in returned]
        columns = _known_columns(names, returned, expect, "expect")
        expected_sql = rows_sql(expect, Typed(tuple(columns), "model"), what="expect")
    actual_sql = f"select {_select(columns)} from {table}"
    _, actual = session.query(actual_sql)
    _, expected = session.query(expected_sql)
    return compare([c for c, _ in columns], expected, actual)


def _select(columns: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(quote_ident(c) for c, _ in columns)


def _known_columns(names: Sequence[str], returned: Sequence[tuple[str, str]],
                   expect: Fixture, what: str) -> list[tuple[str, str]]:
    """The expected columns as the model names them, with their types; a column the model
    does not return is an error at `expect:`."""
    by_name = {c.lower(): (c, t) for c, t in returned}
    unknown = [n for n in names if n.lower() not in by_name]
    if unknown:
        raise UnitTestProblem(
            f"{invalid_columns(unknown)} in unit test fixture for expected output. "
            f"{what[0].upper() + what[1:]} names a column the model does not return",
            expect.line, hint="the model returns " + ", ".join(c for c, _ in returned))
    return [by_name[n.lower()] for n in names]


def invalid_columns(names: Sequence[str]) -> str:
    """dbt's words for a fixture column that does not exist (tools and dbt's own adapter
    tests look for them), for one column or several."""
    return ("Invalid column name: " if len(names) == 1 else "Invalid column names: ") \
        + ", ".join(f"'{n}'" for n in names)


def describe(session: Any, sql: str) -> list[tuple[str, str]]:
    """The columns and types a query returns, without running it."""
    _, rows = session.query(f"describe (\n{sql}\n)")
    return [(str(r[0]), str(r[1])) for r in rows]


def input_types(session: Any, fixture: Fixture) -> Typed:
    """The input's columns and types, from the best place there is (module docstring)."""
    if fixture.relation is not None and session.relation_kind(fixture.relation):
        return Typed(tuple(describe(session, f"select * from {fixture.relation.sql}")),
                     "warehouse")
    if fixture.typed_sql:
        try:
            return Typed(tuple(describe(session, fixture.typed_sql)), "model SQL")
        except DatabaseError:
            pass  # its own inputs are not there either
    columns: dict[str, str | None] = {name: kind or None for name, kind in fixture.declared}
    lowered = {c.lower() for c in columns}
    for row in fixture.rows:
        for name, _ in row:
            if name.lower() not in lowered:
                lowered.add(name.lower())
                columns[name] = None
    typed = tuple((name, kind or value_type(
        [v for row in fixture.rows for c, v in row if c.lower() == name.lower()],
        text=fixture.format == "csv")) for name, kind in columns.items())
    return Typed(typed, "given values")


def value_type(values: Sequence[Any], *, text: bool) -> str | None:
    """The type the given values of a column have, when nothing else says (None: all NULL,
    left to the database)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(isinstance(v, bool) for v in present):
        return "BOOLEAN"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "BIGINT"
    if all(isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool)
           for v in present):
        return "DOUBLE"
    if all(isinstance(v, datetime.datetime) for v in present):
        return "TIMESTAMP"
    if all(isinstance(v, datetime.date) for v in present):
        return "DATE"
    if text and all(isinstance(v, str) for v in present):
        for kind, pattern in (("BIGINT", _INT), ("DOUBLE", _FLOAT), ("DATE", _DATE),
                              ("TIMESTAMP", _TIMESTAMP)):
            if all(pattern.match(v) for v in present):
                return kind
        if all(v.lower() in ("true", "false") for v in present):
            return "BOOLEAN"
    return "VARCHAR"


def rows_sql(fixture: Fixture, typed: Typed, *, what: str) -> str:
    """The fixture's rows as a query with `typed`'s columns and types; a column a row does
    not give is NULL. A column no such input has is an error at the fixture's line."""
    columns = list(typed.columns)
    by_name = {c.lower(): i for i, (c, _) in enumerate(columns)}
    if typed.source in ("warehouse", "model SQL"):
        for row in fixture.rows:
            unknown = [c for c, _ in row if c.lower() not in by_name]
            if unknown:
                name = fixture.node.name.rpartition(".")[2] if fixture.node else "this"
                raise UnitTestProblem(
                    f"{invalid_columns(unknown)} in unit test fixture for '{name}'. "
                    f"{what} has no such column (its columns, from the {typed.source}: "
                    f"{', '.join(c for c, _ in columns)})", fixture.line)
    names = ", ".join(quote_ident(c) for c, _ in columns)
    if not fixture.rows:
        casts = ", ".join(f"{_cast('null', kind)} as {quote_ident(c)}" for c, kind in columns)
        return f"select {casts} where false"
    values = []
    for row in fixture.rows:
        given = {c.lower(): v for c, v in row}
        cells = [_cast(literal(given.get(c.lower())), kind) for c, kind in columns]
        values.append("(" + ", ".join(cells) + ")")
    return "select * from (values\n  " + ",\n  ".join(values) + f"\n) as given_rows({names})"


def _cast(sql: str, kind: str | None) -> str:
    return f"cast({sql} as {kind})" if kind else sql


def literal(value: Any) -> str:
    """A YAML or CSV value as an SQL literal, for a cast to the column's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") \
            else sql_literal(str(value))
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return sql_literal(value.isoformat(sep=" ") if isinstance(value, datetime.datetime)
                           else value.isoformat())
    if isinstance(value, (list, dict)):
        return sql_literal(json.dumps(value, default=str))
    return sql_literal(value)
