"""DuckDB's own parser, for the compile layer: a fast syntax check and a parse-only tree.

DuckDB is the authority on what it will run, and sqlglot accepts some SQL
DuckDB rejects (and rejects some it accepts). `accepts` asks DuckDB's parser
alone (no binding, no JSON); `parse` reads `json_serialize_sql`'s tree for
the tables a query reads and the columns it outputs. Each thread keeps a
cursor on one in-memory database for this: opening one per model, or per
thread, would cost more than the parse.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from warehouse.adapters.base import ParsedModel, SyntaxProblem, TableRead

_LOCAL = threading.local()
_SHARED: list[Any] = []  # (the parsing database, opened by the first thread that parses)
_OPENING = threading.Lock()
_KIND_NAMES: dict[object, str] = {}  # (a token kind's name: an enum's .name, read once)


class DuckDBParser:
    """`warehouse.adapters.base.SqlParser` for DuckDB."""

    volatile_functions = frozenset({
        # the clock
        "now", "current_timestamp", "current_date", "current_time", "localtimestamp",
        "localtime", "current_localtimestamp", "get_current_timestamp", "get_current_time",
        "transaction_timestamp", "today",
        # chance and sequences
        "random", "rand", "setseed", "uuid", "gen_random_uuid", "uuidv4", "uuidv7",
        "nextval", "currval",
        # what lies outside the database, read at run time
        "getenv", "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json",
        "read_json_auto", "read_json_objects", "read_ndjson", "read_ndjson_auto",
        "read_ndjson_objects", "read_text", "read_blob", "glob", "sniff_csv", "read_xlsx",
        "parquet_metadata", "parquet_schema",
    })

    def prepare(self) -> None:
        _connection()

    def accepts(self, sql: str) -> bool:
        from warehouse.adapters.duckdb.driver import duckdb

        try:
            _connection().extract_statements(sql)
        except duckdb.ParserException:
            return False
        except duckdb.Error:
            return True  # not a syntax matter: leave it to sqlglot and to the run
        return True

    def tokens(self, sql: str) -> list[tuple[str, str]]:
        """DuckDB's tokenizer (no connection: a C++ function of the text) gives each
        token's kind and start, as a byte offset in UTF-8; a token's text runs to the
        next one's start, its trailing whitespace left out."""
        from warehouse.adapters.duckdb.driver import duckdb

        found = duckdb.tokenize(sql)
        data = sql.encode()
        ends = [start for start, _kind in found[1:]] + [len(data)]
        names, out = _KIND_NAMES, []
        for (start, kind), end in zip(found, ends, strict=True):
            name = names.get(kind)
            if name is None:
                name = names[kind] = kind.name
            out.append((name, data[start:end].decode(errors="replace").rstrip()))
        return out

    @property
    def version(self) -> str:
        from warehouse.adapters.duckdb.driver import duckdb

        return f"duckdb {duckdb.__version__}"

    def parse(self, sql: str) -> ParsedModel | SyntaxProblem | None:
        """None when DuckDB cannot say (more than one statement, or not a query)."""
        from warehouse.adapters.duckdb.driver import duckdb

        try:
            text = _connection().execute("select json_serialize_sql(?)", [sql]).fetchall()
        except duckdb.Error:
            return None
        data = json.loads(text[0][0])
        if data.get("error"):
            if data.get("error_subtype") != "SYNTAX_ERROR" and data.get("error_type") != "parser":
                return None
            position = data.get("position")
            line, col = line_col(sql, int(position) if str(position).isdigit() else None)
            return SyntaxProblem(str(data.get("error_message", "syntax error")), line, col)
        if len(data.get("statements", [])) != 1:
            return None
        node = data["statements"][0]["node"]
        ctes: set[str] = set()
        found: list[tuple[str, str, int | None]] = []
        _walk(node, ctes, found)
        tables = []
        for schema, name, offset in found:
            if not schema and name.lower() in ctes:
                continue
            line, col = line_col(sql, offset)
            tables.append(TableRead(schema or None, name, line, col))
        while node.get("type") == "SET_OPERATION_NODE":  # (named by its first query)
            node = node.get("left") or (node.get("children") or [{}])[0] or {}
        columns = tuple(_column_name(item) for item in node.get("select_list", []))
        return ParsedModel(tuple(tables), columns if all(columns) else (), "duckdb")


def _connection() -> Any:
    """This thread's cursor on the one in-memory database every thread parses with:
    opening a database takes 15-25 ms, a cursor on an open one microseconds (a worker
    that parses one model must not pay for a database of its own)."""
    con = getattr(_LOCAL, "con", None)
    if con is None:
        with _OPENING:
            if not _SHARED:
                from warehouse.adapters.duckdb.driver import duckdb

                _SHARED.append(duckdb.connect())
            con = _LOCAL.con = _SHARED[0].cursor()
    return con


def _column_name(item: dict) -> str:
    if item.get("alias"):
        return item["alias"]
    if item.get("class") == "COLUMN_REF" and item.get("column_names"):
        return item["column_names"][-1]
    return ""


def _walk(value: object, ctes: set[str], found: list) -> None:
    if isinstance(value, dict):
        cte_map = value.get("cte_map")
        for entry in cte_map.get("map", []) if isinstance(cte_map, dict) else []:
            ctes.add(str(entry.get("key", "")).lower())
        if value.get("type") == "BASE_TABLE" and "table_name" in value:
            offset = value.get("query_location")
            found.append((value.get("schema_name") or "", value["table_name"],
                          offset if isinstance(offset, int) else None))
        for child in value.values():
            _walk(child, ctes, found)
    elif isinstance(value, list):
        for child in value:
            _walk(child, ctes, found)


def line_col(sql: str, offset: int | None) -> tuple[int | None, int | None]:
    """1-based line and column of a character offset (None, None when there is none)."""
    if offset is None or offset > len(sql):
        return None, None
    line = sql.count("\n", 0, offset) + 1
    return line, offset - (sql.rfind("\n", 0, offset) + 1) + 1
