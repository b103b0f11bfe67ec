"""Seed column types as dbt-duckdb gives them, computed by DuckDB rather than by agate.

A dbt project's models were written against the types dbt-duckdb gives its seeds,
so the engine gives a dbt project's seeds those same types. dbt-duckdb infers them
with agate's type tester over every row, and then creates the table with dbt's
default names for agate's types; the rows themselves are loaded by DuckDB, which
casts each field's text into the column's type. Taken together, for a column
without a declared type:

* A value is null when, stripped of white space, it is empty or `null` in any
  case. A column of nulls only (or a file with a header only) is INTEGER.
* Otherwise the first of these that every non-null value satisfies wins:
  1. a number, as agate reads one: an optional sign, digits with an optional
     fraction and exponent, `inf` or `nan`; agate also strips `%`, currency signs
     and `,` thousands separators. The column is DOUBLE when some value has a
     fraction that is not zero (`1.5`; not `1.0`), else INTEGER (32 bits);
  2. a date written `YYYY-M-D` (month and day of one or two digits): DATE;
  3. a timestamp written `YYYY-M-D H:M:S` (no fraction of a second) or ISO 8601
     with a `T` (`2024-01-31T10:00:00.5+07:00`): TIMESTAMP;
  4. `true` or `false` in any case: BOOLEAN;
  5. anything else: VARCHAR. So `10:30:00` stays text, as do `0x1F` and `t`/`f`.

Where agate calls a column a number (or a date ...) whose text DuckDB cannot cast
(`$5`, `1,234`, `null` beside numbers, 3000000000 in an INTEGER column),
dbt-duckdb's load fails; the engine fails too, at the value's line, with a hint to
declare the column's type.

The rules are SQL predicates over the text, so no row goes through Python. The
fast path decides each column from a sample and casts every row with a guard, a
cheap test that only lets through values the sample's type certainly takes;
agate's hypotheses only ever shrink as rows are added, so a column whose every
value passes its guard has the sample's type. A value that fails a guard sends
the load to the slow path, which evaluates the rules over every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warehouse.core.identity import quote_ident

SAMPLE_ROWS = 20480
# agate's order of preference; "empty" is dbt's Integer type, which only nulls satisfy
ORDER = ("number", "date", "datetime", "isodatetime", "boolean")
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
_CURRENCY = "؋$ƒ៛¥₡₱£€¢﷼₪₩₭₮₦฿₤₫"  # agate's default currency signs (stripped from numbers)
_DIGITS = r"\d(?:_?\d)*"  # Python's Decimal takes 1_000
_NUMBER = (rf"%*-?[{_CURRENCY}]*\s*(?:[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})"
           rf"(?:e[+-]?{_DIGITS})?|[+-]?(?:inf|infinity|s?nan))\s*[{_CURRENCY}]*%*")
_MONTH_DAY = r"-(?:1[0-2]|0[1-9]|[1-9])-(?:3[01]|[12]\d|0[1-9]|[1-9])"
_DATE = r"\d{4}" + _MONTH_DAY  # Python's strptime('%Y-%m-%d')
_DATETIME = _DATE + r"\s+(?:2[0-3]|[01]\d|\d):(?:[0-5]\d|\d):(?:[0-5]\d|\d)"
_ISO = (r"(?:\d{4}-\d{2}-\d{2}|\d{8})T\d{2}(?::?\d{2}(?::?\d{2})?)?(?:[.,]\d+)?"
        r"(?:Z|[+-]\d{2}(?::?\d{2})?)?")
# agate's kind of a column -> the type dbt-duckdb creates it with
KINDS = {"empty": "INTEGER", "integer": "INTEGER", "double": "DOUBLE", "date": "DATE",
         "datetime": "TIMESTAMP", "isodatetime": "TIMESTAMP", "boolean": "BOOLEAN",
         "text": "VARCHAR"}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value(col: str) -> str:
    """The value agate sees: white space stripped; NULL when that is empty or `null`."""
    stripped = f"trim({col}, {_WHITESPACE})"
    return f"CASE WHEN lower({stripped}) IN ('', 'null') THEN NULL ELSE {stripped} END"


def _valid_date(text: str) -> str:
    return f"TRY_CAST({text} AS DATE) IS NOT NULL"


def rule(kind: str, v: str, n: str) -> str:
    """The SQL test that a value is of agate type `kind`: `v` is the value (`_value`), `n`
    the same in lower case without commas (agate drops `,` from numbers and booleans).
    A date's validity (no 30 February) is only checked once its text matches."""
    if kind == "number":
        return f"regexp_full_match({n}, {_lit(_NUMBER)})"
    if kind == "date":
        return _when_valid(v, _DATE, v)
    if kind == "datetime":
        day = f"regexp_extract({v}, '^[0-9-]+')"
        return _when_valid(v, _DATETIME, day)
    if kind == "isodatetime":
        digits = f"replace(split_part({v}, 'T', 1), '-', '')"
        day = f"{digits}[1:4] || '-' || {digits}[5:6] || '-' || {digits}[7:8]"
        return _when_valid(v, _ISO, day)
    if kind == "boolean":
        return f"{n} IN ('true', 'false')"
    raise ValueError(kind)


def _fractional(n: str) -> str:
    """A number with a fraction that is not zero once its exponent is applied: `1.5`, `1e-1`;
    not `1.0` or `1.5e1` (agate's MaxPrecision of the normalized decimal)."""
    digits = f"rtrim(replace(regexp_extract({n}, '\\.([0-9_]*)', 1), '_', ''), '0')"
    exponent = (f"coalesce(TRY_CAST(replace(regexp_extract({n}, 'e([+-]?[0-9_]+)', 1), '_', '')"
                f" AS INTEGER), 0)")
    return f"(length({digits}) > {exponent})"


def hypotheses_sql(names: Sequence[str], source: str) -> str:
    """One row: for each column, whether every non-null value passes each rule, whether a
    number has a fraction, and whether there is any non-null value; over `source` (a
    table, or a sample of the file). Nulls are NULL below, which aggregates skip."""
    inner, parts = [], []
    for i, name in enumerate(names):
        v, n = f"v{i}", f"n{i}"
        inner.append(f"{_value(quote_ident(name))} AS {v}")
        parts += [f"coalesce(bool_and({rule(kind, v, n)}), true)" for kind in ORDER]
        parts.append(f"coalesce(bool_or({rule('number', v, n)} AND {_fractional(n)}), false)")
        parts.append(f"count({v}) = 0")
    numbers = ", ".join(f"lower(replace(v{i}, ',', '')) AS n{i}, v{i}" for i in range(len(names)))
    return (f"SELECT {', '.join(parts)} FROM (SELECT {numbers} FROM "
            f"(SELECT {', '.join(inner)} FROM {source}))")


def dbt_types(con: Any, names: Sequence[str], source: str) -> list[str]:
    """The agate kind (see `KINDS`) of each of `names`, judged on the rows of `source`."""
    if not names:
        return []
    row = con.execute(hypotheses_sql(names, source)).fetchall()[0]
    width = len(ORDER) + 2
    return [_chosen(row[i * width:(i + 1) * width]) for i in range(len(names))]


def _chosen(flags: Sequence[bool]) -> str:
    *passes, fractional, all_null = flags
    if all_null:
        return "empty"
    for kind, ok in zip(ORDER, passes, strict=True):
        if ok:
            return ("double" if fractional else "integer") if kind == "number" else kind
    return "text"


# A guard is a cheap test that a value certainly keeps its column's kind: it may refuse
# values the rules accept (`1.0` in an integer column, the date `2024-1-5`, text with white
# space around it), which send the load to the slow path, where the rules decide. Combined
# with DuckDB's cast succeeding, a value that passes is of the kind: the load is exact.
_GUARDS = {
    "integer": r"[+-]?\d+",
    "double": r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?",
    "date": r"\d{4}-\d\d-\d\d",
    "datetime": r"\d{4}-\d\d-\d\d (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d",
    "isodatetime": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d",
}
_GUARDS["empty"] = _GUARDS["integer"]  # nulls so far: numbers after them make it INTEGER


def guard(kind: str, col: str) -> str | None:
    """The SQL guard of a column of `kind` (None for text: every value is text)."""
    if kind == "text":
        return None
    if kind == "boolean":
        return f"lower({col}) IN ('true', 'false')"
    return f"regexp_full_match({col}, {_lit(_GUARDS[kind])})"


def _when_valid(value: str, pattern: str, day: str) -> str:
    """True when `value` has the pattern's shape and `day` is a date the calendar has."""
    return (f"CASE WHEN regexp_full_match({value}, {_lit(pattern)}) "
            f"THEN {_valid_date(day)} ELSE false END")
