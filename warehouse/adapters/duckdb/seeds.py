"""Load a CSV seed into DuckDB with DuckDB's own CSV reader.

Two paths, because speed and good errors pull in different directions:

* The fast path is one `CREATE OR REPLACE TABLE ... AS SELECT` over
  `read_csv(..., auto_detect=false, columns={every column: VARCHAR})`, with
  each column cast in the SELECT. Reading as text and casting in SQL costs no
  more than letting the reader cast (measured: it is as fast as a plain
  `SELECT * FROM read_csv(path)`), and it lets the SELECT look at the text
  before it becomes a number, which is how leading zeros are caught.
* Only when the fast path fails does the slow path run: the file is loaded
  as text into a temporary table, DuckDB's own `TRY_CAST` finds the first
  value that does not fit (so the diagnosis uses exactly the casting rules
  of the load), and Python's `csv` module walks the file to turn that
  record number into the physical line and column a user can open.

Types, in order of precedence:

1. A type declared in `column_types` (matched to the header case-insensitively,
   as DuckDB matches identifiers) always wins. A value that does not fit it is
   a `ProjectError` with file, line, column and expected type. `'007'` in a
   column declared INTEGER becomes 7: the declaration says so.
2. An undeclared column gets the type DuckDB's sniffer infers from its sample
   (`sniff_csv`, the first 20,480 rows), with these overrides:

   * Numbers: a value with a leading zero or a base prefix (`007`, `-01`,
     `0x1F`; not `0` or `0.5`) anywhere in the file keeps the column VARCHAR.
     The sniffer only sees its sample, so the fast path guards every value.
   * Dates and timestamps: kept only when the sniffer read them in ISO 8601
     order (`2024-01-31`, `2024-01-31 10:00:00`, `2024-01-31T10:00:00+07`).
     Any other format (`01/02/2024`: January or February?) stays VARCHAR.
   * Anything after the sample that does not fit the inferred type (text in a
     column whose sample was all numbers or dates) makes the column VARCHAR:
     mixed content is never turned into numbers or dates. Declare a type to
     get something else.
3. A header-only file loads an empty table: declared types, VARCHAR elsewhere.

A dbt project's seeds (`dbt_types=True`) get instead the types dbt-duckdb gives
them (INTEGER, DOUBLE, DATE, TIMESTAMP, BOOLEAN or VARCHAR, by agate's rules; see
seed_types.py), and the values DuckDB casts from their text: `007` is 7, `10:30:00`
stays text. A dbt project's models were written against those types. Our own
projects keep the rules above, which never turn `007` into 7 and read times.

The dialect is fixed, not sniffed: RFC 4180 quoting (`"` quotes, `""` escapes
a quote), a header row, the given delimiter, UTF-8 with or without a
byte-order mark, blank lines skipped. Empty fields are NULL.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.adapters.duckdb import csv_errors, seed_types
from warehouse.core.errors import ProjectError
from warehouse.core.identity import Relation, quote_ident, sql_literal

if TYPE_CHECKING:
    from warehouse.adapters.duckdb.driver import duckdb

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_TEMPORAL = ("DATE", "TIMESTAMP", "TIME")
_SNIFF_SAMPLE = 20480


@dataclass(frozen=True)
class _Column:
    """One column of the seed: its header name and the type it will have."""

    index: int  # 1-based, as a user counts columns
    name: str
    type: str  # DuckDB type name, upper case
    declared: bool
    kind: str | None = None  # dbt projects: agate's kind of an undeclared column

    @property
    def guarded(self) -> bool:
        """Undeclared numbers are read as text first so leading zeros can be seen (not in
        a dbt project, where `007` is the number 7, as in dbt)."""
        return not self.declared and self.kind is None and self.type.startswith(_NUMERIC)


def load_seed(
    con: duckdb.DuckDBPyConnection,
    csv_path: Path,
    relation: Relation,
    column_types: Mapping[str, str] | None = None,
    *,
    display_path: str | None = None,
    delimiter: str = ",",
    full_refresh: bool = True,
    types_declared_in: Mapping[str, tuple[str, int | None]] | None = None,
    dbt_types: bool = False,
) -> int:
    """Load `csv_path` into `relation` (schema created if missing); return the row count.

    `con` is a DuckDB connection or cursor. `display_path` is how errors name
    the file (e.g. `seeds/x.csv`); `types_declared_in` maps each column of
    `column_types` to the file and line where its type was written, which an
    unknown type, or a column the header lacks, names. With
    `full_refresh` (the default) the table
    is created or replaced. Without it, an existing table whose columns and
    types already match keeps its identity (comments, constraints) and has
    its rows replaced in one transaction; any other table is replaced. With
    `dbt_types`, undeclared columns get the types dbt-duckdb would give them.
    """
    from warehouse.adapters.duckdb.driver import duckdb

    csv_path = Path(csv_path)
    shown = display_path or str(csv_path)
    header, header_line = _read_header(csv_path, delimiter, shown)
    origins = types_declared_in or {}
    declared = _declared_types(con, column_types or {}, origins, shown)
    _check_header(header, header_line, declared, shown, origins)
    csv_errors.check_what_duckdb_accepts(csv_path, len(header), delimiter, shown)
    source = _read_csv_sql(csv_path, header, delimiter)
    columns = _plan_columns(con, csv_path, header, declared, delimiter,
                            source if dbt_types else None)
    _ensure_schema(con, relation.schema)
    select = "SELECT " + ", ".join(_fast_expr(c) for c in columns) + f" FROM {source}"
    try:
        return _write(con, relation, columns, select, full_refresh)
    except duckdb.Error as fast_error:
        return _slow_load(con, csv_path, relation, columns, source, delimiter, shown,
                          full_refresh, fast_error)


# --------------------------------------------------------------------------- header and types


def _read_header(path: Path, delimiter: str, shown: str) -> tuple[list[str], str]:
    """The header's names (byte-order mark removed) and its raw text for error snippets."""
    try:
        for _start, fields, raw in csv_errors.records(path, delimiter, shown):
            if fields:
                return fields, raw.rstrip("\r\n")
    except FileNotFoundError:
        raise ProjectError("the seed file does not exist", path=shown) from None
    raise ProjectError("the seed file is empty: it needs a header row naming its columns",
                       path=shown, line=1)


def _declared_types(con: Any, column_types: Mapping[str, str],
                    origins: Mapping[str, tuple[str, int | None]], shown: str) -> dict[str, str]:
    """Declared types checked by DuckDB itself and spelled as DuckDB spells them; one it
    does not know is reported where it was written (`origins`), else at the seed."""
    from warehouse.adapters.duckdb.driver import duckdb

    out: dict[str, str] = {}
    for name, type_ in column_types.items():
        text = str(type_).strip()
        try:
            if not text or ";" in text:
                raise ValueError(text)
            canonical = con.execute(f"SELECT typeof(CAST(NULL AS {text}))").fetchall()[0][0]
        except (duckdb.Error, ValueError):
            path, line = origins.get(str(name), (shown, None))
            raise ProjectError(f"column_types: {name!r} has type {type_!r}, "
                               "which DuckDB does not know", path=path, line=line,
                               hint="use a DuckDB type such as varchar, integer, "
                                    "decimal(18,2), date, timestamp or boolean") from None
        out[str(name)] = canonical
    return out


def _check_header(header: list[str], raw: str, declared: Mapping[str, str], shown: str,
                  origins: Mapping[str, tuple[str, int | None]]) -> None:
    """Header names that are there and unique; and every declared column among them. Which
    of the two is misspelt only the user knows, so the message names both places: the
    error is at the declaration (when its line is known) if the header has some declared
    columns, else at the header (a wrong delimiter, another file)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if not name.strip():
            raise ProjectError(f"column {i} of the header has no name",
                               path=shown, line=1, snippet=csv_errors.snippet(1, raw))
        key = name.lower()
        if key in seen:
            raise ProjectError(f"header column {i} {name!r} repeats column {seen[key]} "
                               "of the header (names are compared case-insensitively)",
                               path=shown, line=1, snippet=csv_errors.snippet(1, raw))
        seen[key] = i
    missing = [n for n in declared if n.lower() not in seen]
    if not missing:
        return
    names = ", ".join(repr(n) for n in missing)
    columns = f"(columns: {', '.join(header)})"
    hint = "fix the name in column_types or in the CSV header"
    path, line = origins.get(missing[0], (shown, None))
    if line is not None and len(missing) < len(declared):
        raise ProjectError(f"column_types declares {names}, which the header of {shown}:1 "
                           f"does not have {columns}", path=path, line=line, hint=hint)
    where = f" ({path}:{line})" if line is not None else ""
    raise ProjectError(f"column_types{where} declares {names}, which the header does not have "
                       f"{columns}", path=shown, line=1, snippet=csv_errors.snippet(1, raw),
                       hint=hint)


def _plan_columns(con: Any, path: Path, header: list[str], declared: Mapping[str, str],
                  delimiter: str, dbt_source: str | None) -> list[_Column]:
    """Each column's type: declared, else inferred (from DuckDB's sniffer, or with
    dbt-duckdb's rules on a sample when `dbt_source`, the file read as text, is given)."""
    by_key = {k.lower(): v for k, v in declared.items()}
    undeclared = [name for name in header if name.lower() not in by_key]
    if dbt_source is not None:
        sample = f"(SELECT * FROM {dbt_source} LIMIT {seed_types.SAMPLE_ROWS})"
        kinds = dict(zip(undeclared, seed_types.dbt_types(con, undeclared, sample),
                         strict=True))
        return [_Column(i, name, by_key[name.lower()], True) if name in by_key or
                name.lower() in by_key else
                _Column(i, name, seed_types.KINDS[kinds[name]], False, kinds[name])
                for i, name in enumerate(header, start=1)]
    sniffed: list[str] = ["VARCHAR"] * len(header)
    if undeclared:
        sniffed = _sniffed_types(con, path, len(header), delimiter)
    return [_Column(i, name, by_key[name.lower()], True) if name.lower() in by_key
            else _Column(i, name, sniffed[i - 1], False)
            for i, name in enumerate(header, start=1)]


def _sniffed_types(con: Any, path: Path, width: int, delimiter: str) -> list[str]:
    """DuckDB's inferred types with the overrides the module docstring lists."""
    from warehouse.adapters.duckdb.driver import duckdb

    sql = (f"SELECT Columns, DateFormat, TimestampFormat FROM sniff_csv({sql_literal(str(path))}, "
           f"header=true, delim={sql_literal(delimiter)}, quote='\"', escape='\"', "
           f"sample_size={_SNIFF_SAMPLE})")
    try:
        columns, date_format, ts_format = con.execute(sql).fetchall()[0]
    except duckdb.Error:
        return ["VARCHAR"] * width  # the load itself will report what is wrong
    if len(columns) != width:
        return ["VARCHAR"] * width
    out = []
    for col in columns:
        type_ = str(col["type"]).upper()
        if type_.startswith("DATE") and not _iso(date_format):
            type_ = "VARCHAR"
        elif type_.startswith("TIMESTAMP") and not _iso(ts_format):
            type_ = "VARCHAR"
        elif not type_.startswith(_NUMERIC + _TEMPORAL + ("BOOLEAN",)):
            type_ = "VARCHAR"
        out.append(type_)
    return out


def _iso(fmt: str | None) -> bool:
    return fmt is None or fmt.startswith("%Y-%m-%d")


# --------------------------------------------------------------------------- SQL


def _read_csv_sql(path: Path, header: list[str], delimiter: str) -> str:
    cols = ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in header)
    return (f"read_csv({sql_literal(str(path))}, auto_detect=false, header=true, "
            f"delim={sql_literal(delimiter)}, quote='\"', escape='\"', columns={{{cols}}})")


def _leading_zero(col: str) -> str:
    """True for text starting with 0 and another character that is not `.`: 007, 0x1F, -01.

    Plain string comparisons, so the guard costs next to nothing per value:
    `c >= '00' AND c < '1'` is "starts with 0 followed by a character >= '0'".
    """
    return (f"({col} < '1' AND ({col} >= '00' OR ({col} < '.' AND {col}[2:] >= '00' "
            f"AND {col}[2:] < '1')))")


def _fast_expr(c: _Column) -> str:
    col = quote_ident(c.name)
    check = seed_types.guard(c.kind, col) if c.kind is not None else None
    if check is not None:
        msg = sql_literal(f"column {c.name} is not all {c.kind}")
        return (f"CASE WHEN NOT {check} THEN error({msg}) "
                f"ELSE CAST({col} AS {c.type}) END AS {col}")
    if c.type == "VARCHAR":
        return col
    if c.guarded:
        msg = sql_literal(f"leading zero in column {c.name}")
        return (f"CASE WHEN {_leading_zero(col)} THEN error({msg}) "
                f"ELSE CAST({col} AS {c.type}) END AS {col}")
    return f"CAST({col} AS {c.type}) AS {col}"


def _ensure_schema(con: Any, schema: str) -> None:
    from warehouse.adapters.duckdb.driver import duckdb

    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    except duckdb.Error:
        # Two seeds of one schema loading in parallel threads can race here.
        rows = con.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = ?",
                           [schema]).fetchall()
        if not rows:
            raise


def _write(con: Any, relation: Relation, columns: list[_Column], select: str,
           full_refresh: bool) -> int:
    if not full_refresh and _same_shape(con, relation, columns):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DELETE FROM {relation.sql}")
            count = con.execute(f"INSERT INTO {relation.sql} {select}").fetchall()[0][0]
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        return int(count)
    return int(con.execute(f"CREATE OR REPLACE TABLE {relation.sql} AS {select}")
               .fetchall()[0][0])


def _same_shape(con: Any, relation: Relation, columns: list[_Column]) -> bool:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [relation.schema, relation.name]).fetchall()
    return [(n.lower(), t.upper()) for n, t in rows] == [(c.name.lower(), c.type)
                                                        for c in columns]


# --------------------------------------------------------------------------- slow path


def _slow_load(con: Any, path: Path, relation: Relation, columns: list[_Column], source: str,
               delimiter: str, shown: str, full_refresh: bool, fast_error: Exception) -> int:
    """Find what broke the fast path: a user's error is raised, an inference error is fixed."""
    from warehouse.adapters.duckdb.driver import duckdb

    csv_errors.check_structure(path, len(columns), delimiter, shown)
    tmp = quote_ident(f"__seed_{uuid.uuid4().hex}")
    try:
        con.execute(f"CREATE TEMP TABLE {tmp} AS SELECT * FROM {source}")
    except duckdb.Error as e:
        raise csv_errors.duckdb_error(shown, e) from None
    try:
        if any(c.kind is not None for c in columns):  # dbt's rules, now over every row
            columns = _dbt_kinds_of_all_rows(con, tmp, columns)
        final = _checked(con, tmp, columns, path, delimiter, shown)
        if final is None:
            raise csv_errors.duckdb_error(shown, fast_error)
        exprs = ", ".join(quote_ident(c.name) if c.type == "VARCHAR"
                          else f"CAST({quote_ident(c.name)} AS {c.type}) AS {quote_ident(c.name)}"
                          for c in final)
        return _write(con, relation, final, f"SELECT {exprs} FROM {tmp}", full_refresh)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {tmp}")


def _dbt_kinds_of_all_rows(con: Any, tmp: str, columns: list[_Column]) -> list[_Column]:
    inferred = [c for c in columns if c.kind is not None]
    kinds = dict(zip((c.index for c in inferred),
                     seed_types.dbt_types(con, [c.name for c in inferred], tmp), strict=True))
    return [_Column(c.index, c.name, seed_types.KINDS[kinds[c.index]], False, kinds[c.index])
            if c.index in kinds else c for c in columns]


def _checked(con: Any, tmp: str, columns: list[_Column], path: Path, delimiter: str,
             shown: str) -> list[_Column] | None:
    """The columns to load the text table with, once every value is known to fit: a value
    that does not fit a declared type, or a dbt project's inferred type, is an error at
    its line; an undeclared column of our own inference becomes VARCHAR. None when
    nothing needs to change (the fast path failed for another reason)."""
    typed = [c for c in columns if c.type != "VARCHAR"]
    inferred_by_dbt_rules = any(c.kind is not None for c in columns)
    if not typed:
        return columns if inferred_by_dbt_rules else None
    checks = []
    for c in typed:
        col = quote_ident(c.name)
        bad = f"{col} IS NOT NULL AND TRY_CAST({col} AS {c.type}) IS NULL"
        if c.guarded:
            bad = f"({bad}) OR {_leading_zero(col)}"
        checks.append(f"min(rowid) FILTER (WHERE {bad})")
    first_bad = con.execute(f"SELECT {', '.join(checks)} FROM {tmp}").fetchall()[0]
    refused = [(row, c) for row, c in zip(first_bad, typed, strict=True)
               if row is not None and (c.declared or c.kind is not None)]
    if refused:
        row, c = min(refused, key=lambda rc: (rc[0], rc[1].index))
        value = con.execute(f"SELECT {quote_ident(c.name)} FROM {tmp} WHERE rowid = ?",
                            [row]).fetchall()[0][0]
        error = csv_errors.bad_value(path, delimiter, shown, int(row), c, value)
        if not c.declared:
            error.hint = (f"dbt-duckdb reads column {c.name!r} as {c.type} (agate's type "
                          "inference) and cannot load this value either; declare the column's "
                          f"type in the seed's column_types (such as {c.name}: varchar)")
        raise error
    widened = {c.index for row, c in zip(first_bad, typed, strict=True) if row is not None}
    if not widened and not inferred_by_dbt_rules:
        return None
    return [_Column(c.index, c.name, "VARCHAR", False) if c.index in widened else c
            for c in columns]
