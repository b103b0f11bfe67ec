"""DuckDB column types → PostgreSQL column types, and the cast that makes them ingestible.

`warehouse publish` creates the PostgreSQL tables itself (so a dashboard
sees `numeric(18,4)`, `date` and `boolean`, not whatever a driver guesses)
and then streams Arrow batches into them over binary COPY. Binary COPY only
accepts the exact wire format of the target type, so each DuckDB type gets
a PostgreSQL type *and*, where DuckDB's Arrow output would not match it, a
cast applied while reading (`TINYINT` → `SMALLINT`, `UUID` → text, a
`STRUCT` → its JSON text). Pure functions, no connections.

>>> pg_type("DECIMAL(18,4)")
PgType(sql='numeric(18,4)', cast=None)
>>> pg_type("TINYINT")
PgType(sql='smallint', cast='SMALLINT')
>>> pg_type("INTEGER[]")
PgType(sql='integer[]', cast=None)
>>> pg_type("STRUCT(a INTEGER)").sql
'json'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TO_JSON = "to_json"  # not a type: "serialise the value as JSON text"


@dataclass(frozen=True)
class PgType:
    """`sql`: the PostgreSQL column type; `cast`: DuckDB type to cast to first, or None."""

    sql: str
    cast: str | None = None

    def select(self, quoted_column: str) -> str:
        """The DuckDB select expression that yields this column ready for COPY."""
        if self.cast is None:
            return quoted_column
        if self.cast == TO_JSON:
            return f"CAST(to_json({quoted_column}) AS VARCHAR) AS {quoted_column}"
        return f"CAST({quoted_column} AS {self.cast}) AS {quoted_column}"


# Scalars whose Arrow form ADBC writes in the target type's binary format as is.
_NATIVE = {
    "BOOLEAN": "boolean",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "BLOB": "bytea",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
}

# Scalars that need a cast in DuckDB first: (PostgreSQL type, DuckDB cast).
_CAST = {
    "TINYINT": ("smallint", "SMALLINT"),
    "UTINYINT": ("smallint", "SMALLINT"),
    "USMALLINT": ("integer", "INTEGER"),
    "UINTEGER": ("bigint", "BIGINT"),
    "UBIGINT": ("numeric(20,0)", "DECIMAL(20,0)"),
    "HUGEINT": ("numeric(38,0)", "DECIMAL(38,0)"),
    "TIMESTAMP_S": ("timestamp", "TIMESTAMP"),
    "TIMESTAMP_MS": ("timestamp", "TIMESTAMP"),
    "TIMESTAMP_NS": ("timestamp", "TIMESTAMP"),
    "JSON": ("json", "VARCHAR"),
}

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_FIXED_ARRAY = re.compile(r"^(.*)\[(\d+)\]$")
_TEXT = PgType("text", "VARCHAR")


def pg_type(duckdb_type: str) -> PgType:
    """The PostgreSQL type for a DuckDB type as `information_schema.columns` spells it.

    Anything without a faithful binary mapping (UUID, ENUM, BIT, UHUGEINT,
    TIME WITH TIME ZONE, unknown future types) becomes `text`, never an error:
    a mart with an exotic column still publishes, readably.
    """
    t = duckdb_type.strip().upper()
    if t in _NATIVE:
        return PgType(_NATIVE[t])
    if t in _CAST:
        sql, cast = _CAST[t]
        return PgType(sql, cast)
    if m := _DECIMAL.fullmatch(t):
        return PgType(f"numeric({m.group(1)},{m.group(2)})")
    if t.startswith(("STRUCT(", "MAP(", "UNION(")):
        return PgType("json", TO_JSON)
    if t.endswith("]"):
        return _list_type(t)
    return _TEXT


def _list_type(t: str) -> PgType:
    """A list (or fixed-size array) of scalars → a PostgreSQL array; nested ones → json."""
    fixed = _FIXED_ARRAY.match(t)
    element = fixed.group(1) if fixed else t[:-2]
    if element.endswith("]") or element.startswith(("STRUCT(", "MAP(", "UNION(")):
        return PgType("json", TO_JSON)
    inner = pg_type(element)
    if inner == _TEXT and element != "VARCHAR":
        return PgType("text[]", "VARCHAR[]")
    if inner.cast is None and not fixed:
        return PgType(inner.sql + "[]")
    return PgType(inner.sql + "[]", (inner.cast or element) + "[]")
