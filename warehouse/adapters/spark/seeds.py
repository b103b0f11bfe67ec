"""Load a CSV seed with Spark's CSV reader, with the types DuckDB would give its columns.

Spark reads every field as text (RFC 4180: `"` quotes and `""` escapes a
quote, a header row, empty fields NULL, multi-line fields allowed) and the
SELECT that writes the table casts each column, under ANSI casting rules, so
a value that does not fit is an error, never a NULL:

1. a type declared in `column_types` (matched without regard to case; DuckDB
   spelling, written in Spark's by sqlglot) always wins;
2. an undeclared column gets the type the DuckDB target infers for the same
   file (see adapters/duckdb/seeds.py), decided here in Python over the file:
   BIGINT for integers (but `007`, `-01` keep it text), DOUBLE for other
   numbers, DATE or TIMESTAMP for ISO 8601 values, BOOLEAN for true/false,
   otherwise STRING. The same model then reads the same types on both engines.

A value that does not cast is a ProjectError naming the file, its line and
column, found by Python's csv module once Spark's load has failed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError

_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$")
_LEADING_ZERO = re.compile(r"^[+-]?0\d")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_BOOL = frozenset({"true", "false"})


def infer_type(values: list[str]) -> str:
    """DuckDB's type for an undeclared column with these (non-empty) values."""
    if not values:
        return "STRING"
    if all(v.lower() in _BOOL for v in values):
        return "BOOLEAN"
    if any(_LEADING_ZERO.match(v) for v in values):
        return "STRING"
    if all(_INT.match(v) for v in values):
        return "BIGINT" if all(-2**63 <= int(v) < 2**63 for v in values) else "DOUBLE"
    if all(_NUM.match(v) for v in values):
        return "DOUBLE"
    if all(_DATE.match(v) for v in values):
        return "DATE"
    if all(_TS.match(v) for v in values):
        return "TIMESTAMP"
    return "STRING"


def read_columns(path: Path, shown: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, each column's non-empty values, and each record's first line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise ProjectError("the seed has no header row", path=shown, line=1)
        values: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        start = reader.line_num + 1
        for record in reader:
            if not record:
                start = reader.line_num + 1
                continue
            lines.append(start)
            start = reader.line_num + 1
            for i, field in enumerate(record[:len(header)]):
                if field.strip():
                    values[i].append(field.strip())
    return header, values, lines


def load_seed(spark: Any, path: Path, target: str, column_types: Mapping[str, str] | None,
              *, shown: str) -> tuple[int, list[tuple[str, str]]]:
    """Write the seed as table `target` (quoted Spark name; dropped first); the rows loaded
    and each column's (name, Spark type)."""
    from sqlglot import exp

    header, values, lines = read_columns(path, shown)
    declared = {k.lower(): v for k, v in (column_types or {}).items()}
    types = []
    for name, column in zip(header, values, strict=True):
        if name.lower() in declared:
            try:
                spark_type = exp.DataType.build(declared[name.lower()], dialect="duckdb"
                                                ).sql(dialect="spark")
            except Exception:
                raise ProjectError(f"unknown type {declared[name.lower()]!r} for column "
                                   f"{name!r}", path=shown) from None
        else:
            spark_type = infer_type(column)
        types.append((name, spark_type))
    frame = (spark.read.option("header", True).option("quote", '"').option("escape", '"')
             .option("multiLine", True).option("mode", "FAILFAST").option("encoding", "UTF-8")
             .schema(", ".join(f"`c{i}` STRING" for i in range(len(header)))).csv(str(path)))
    view = "seed_" + re.sub(r"\W", "_", target)
    frame.createOrReplaceTempView(view)
    select = ", ".join(f"cast(trim(`c{i}`) as {t}) as `{n}`" if t != "STRING"
                       else f"`c{i}` as `{n}`" for i, (n, t) in enumerate(types))
    spark.sql(f"drop table if exists {target}")
    try:
        spark.sql(f"create table {target} using parquet as select {select} from {view}")
    except Exception as exc:
        raise _bad_value(exc, header, types, values, lines, shown) from None
    finally:
        spark.catalog.dropTempView(view)
    return len(lines), types


def _bad_value(exc: Exception, header: list[str], types: list[tuple[str, str]],
               values: list[list[str]], lines: list[int], shown: str) -> ProjectError:
    """The first value that does not cast to its column's type, by file line and column."""
    first = str(exc).splitlines()[0]
    match = re.search(r"'([^']*)'", first)
    bad = match.group(1) if match else None
    for index, (name, type_) in enumerate(types):
        if bad is not None and type_ != "STRING" and bad in values[index]:
            return ProjectError(f"value {bad!r} in column {name!r} is not {type_}",
                                path=shown, column=index + 1,
                                hint="declare the column's type in column_types, or fix the "
                                     "value")
    return ProjectError(f"the seed could not be loaded by Spark: {first}", path=shown)
