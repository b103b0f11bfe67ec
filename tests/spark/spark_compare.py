"""Tables compared by content across DuckDB and Spark: same columns, same rows."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb


def norm(value: Any) -> Any:
    """One value as both engines' Python values can be compared: numbers as floats to 9
    significant digits, aware timestamps as naive UTC, lists and structs as tuples."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        if math.isnan(number) or number == 0:
            return number
        return float(f"{number:.9g}")
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, (list, tuple)):
        return tuple(norm(v) for v in value)
    if hasattr(value, "asDict"):
        value = value.asDict()
    if isinstance(value, dict):
        return tuple((k, norm(v)) for k, v in value.items())
    return value


def normalized(rows: list[tuple]) -> list[tuple]:
    return sorted((tuple(norm(v) for v in row) for row in rows), key=repr)


def duckdb_table(root: Path, relation: str, order: str = "") -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        result = con.execute(f"select * from {relation} {order}")
        rows = result.fetchall()
        return [d[0] for d in result.description], rows
    finally:
        con.close()


def spark_table(spark: Any, prefix: str, relation: str, order: str = ""
                ) -> tuple[list[str], list[tuple]]:
    schema, name = relation.split(".")
    frame = spark.sql(f"select * from `{prefix}_{schema}`.`{name}` {order}")
    return list(frame.columns), [tuple(r) for r in frame.collect()]


def differences(duck: tuple[list[str], list[tuple]], spark: tuple[list[str], list[tuple]],
                *, ordered: bool = False) -> str:
    """'' when the two tables hold the same columns and rows; else what differs."""
    if [c.lower() for c in duck[0]] != [c.lower() for c in spark[0]]:
        return f"columns differ: duckdb {duck[0]} spark {spark[0]}"
    left = [tuple(norm(v) for v in r) for r in duck[1]]
    right = [tuple(norm(v) for v in r) for r in spark[1]]
    if not ordered:
        left, right = sorted(left, key=repr), sorted(right, key=repr)
    if left == right:
        return ""
    only_duck = [r for r in left if r not in right][:5]
    only_spark = [r for r in right if r not in left][:5]
    return (f"{len(left)} vs {len(right)} rows; only in duckdb: {only_duck}; "
            f"only in spark: {only_spark}")
