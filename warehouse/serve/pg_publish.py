"""`warehouse publish --postgres URL`: copy the published marts into PostgreSQL, atomically.

For BI tools that speak PostgreSQL rather than DuckDB (DESIGN §4). Reads the
*published* DuckDB file read-only (it never builds), so PostgreSQL gets
exactly what passed the build's tests. A dashboard must never see half a
publish, so the marts load into a fresh schema `<schema>__loading_<random>`,
and only when every table is in does one transaction rename the old schema
away, rename the new one into place and drop the old one. A failure before
that leaves the published schema untouched and the loading schema dropped.

Tables are created here with explicit types (`warehouse.serve.pg_types`) and the
project's descriptions as comments, then filled by ADBC's bulk ingest
(binary COPY) from DuckDB's Arrow stream: no rows pass through Python.

The URL may carry a password: it is printed only redacted, and every driver
error is re-raised with the password scrubbed (`warehouse.serve.pg_url`).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warehouse.core.errors import UsageError, WarehouseError
from warehouse.core.identity import NodeId, quote_ident, sql_literal
from warehouse.serve.export import MARTS_SCHEMA, mart_nodes, open_published
from warehouse.serve.keys import Keys, TableKeys, table_keys
from warehouse.serve.pg_types import PgType, pg_type
from warehouse.serve.pg_url import normalize, redact, scrub

if TYPE_CHECKING:
    from warehouse.adapters.base import Session
    from warehouse.compile.project import Project

BATCH_ROWS = 65_536
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")
_NOT_OURS = frozenset({"public", "information_schema"})


class PublishError(WarehouseError):
    """PostgreSQL refused or failed: nothing was swapped in (exit code 1)."""

    exit_code = 1


@dataclass(frozen=True)
class MartColumn:
    name: str
    duckdb_type: str
    pg: PgType
    description: str = ""


@dataclass(frozen=True)
class Mart:
    name: str
    columns: tuple[MartColumn, ...]
    description: str = ""
    schema: str = MARTS_SCHEMA  # where it is in DuckDB (a published intermediate model's own)
    keys: TableKeys = TableKeys()
    node: NodeId | None = None

    def select_sql(self) -> str:
        """DuckDB query that streams the mart with every column in its PostgreSQL form."""
        exprs = ", ".join(c.pg.select(quote_ident(c.name)) for c in self.columns)
        return f"select {exprs} from {quote_ident(self.schema)}.{quote_ident(self.name)}"


@dataclass(frozen=True)
class TableLoad:
    name: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class PublishResult:
    schema: str
    tables: tuple[TableLoad, ...]
    seconds: float
    keys: Keys = Keys({})


# ---------------------------------------------------------------------- what to copy


def describe_marts(project: Project, session: Session) -> tuple[list[Mart], Keys]:
    """Each mart's columns and types from the file, descriptions from the project's YAML,
    keys from its tests (`warehouse.serve.keys`)."""
    nodes = mart_nodes(project, session)
    found = {}
    for node in nodes:
        found[node.id] = session.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [node.relation.schema, node.relation.name])
    keys = table_keys(project.nodes, {n: [c for c, _ in cols] for n, cols in found.items()})
    marts = []
    for node in nodes:
        described = {c.name: c.description for c in node.columns}
        marts.append(Mart(node.relation.name, tuple(
            MartColumn(col, typ, pg_type(typ), described.get(col, ""))
            for col, typ in found[node.id]), node.description, node.relation.schema,
            keys.of(node.id), node.id))
    return marts, keys


def key_ddl(schema: str, marts: list[Mart]) -> list[str]:
    """Primary and unique keys of every table, then the foreign keys that point at them
    (a foreign key needs its target's key to exist first). Added once the rows are in:
    PostgreSQL checks each key against them, once, instead of row by row during the load."""
    def table(name: str) -> str:
        return f"{quote_ident(schema)}.{quote_ident(name)}"

    def cols(names: tuple[str, ...]) -> str:
        return ", ".join(quote_ident(c) for c in names)

    names = {mart.node: mart.name for mart in marts}
    first, then = [], []
    for mart in marts:
        if mart.keys.primary:
            first.append(f"alter table {table(mart.name)} add primary key "
                         f"({cols(mart.keys.primary)})")
        first += [f"alter table {table(mart.name)} add unique ({cols(key)})"
                  for key in mart.keys.unique]
        then += [f"alter table {table(mart.name)} add foreign key ({cols(fk.columns)}) "
                 f"references {table(names[fk.to])} ({cols(fk.to_columns)})"
                 for fk in mart.keys.foreign if fk.to in names]
    return first + then


def table_ddl(schema: str, mart: Mart) -> list[str]:
    """CREATE TABLE with explicit types, then a COMMENT for the table and each described column."""
    table = f"{quote_ident(schema)}.{quote_ident(mart.name)}"
    cols = ",\n  ".join(f"{quote_ident(c.name)} {c.pg.sql}" for c in mart.columns)
    ddl = [f"create table {table} (\n  {cols}\n)"]
    if mart.description:
        ddl.append(f"comment on table {table} is {sql_literal(mart.description)}")
    ddl += [f"comment on column {table}.{quote_ident(c.name)} is {sql_literal(c.description)}"
            for c in mart.columns if c.description]
    return ddl


# ---------------------------------------------------------------------- PostgreSQL


@contextlib.contextmanager
def _scrubbed(url: str, doing: str) -> Iterator[None]:
    """Re-raise any driver error as a PublishError whose text holds no password.

    `from None` keeps the driver's own exception, with its unscrubbed text, out
    of the traceback `--debug` prints.
    """
    try:
        yield
    except WarehouseError:
        raise
    except Exception as exc:  # libpq/ADBC errors may echo the connection string
        message = scrub(f"{type(exc).__name__}: {exc}", url).strip()
        raise PublishError(f"{doing} failed: {message}") from None


def _connect(url: str) -> Any:
    import adbc_driver_postgresql.dbapi as pg

    if url.startswith("postgresql://") and "connect_timeout" not in url:  # as normalize spells URIs
        url += ("&" if "?" in url else "?") + "connect_timeout=10"
    return pg.connect(url)


def _ingest(cursor: Any, schema: str, table: str, reader: Any) -> int:
    """Bulk-append an Arrow stream to an existing table (binary COPY); rows written."""
    return cursor.adbc_ingest(table, reader, mode="append", db_schema_name=schema)


def _execute_all(cursor: Any, statements: list[str]) -> None:
    """Run DDL in one round trip: ADBC prepares each statement, so wrap them in a DO block.

    A publish has a statement per table and per described column (about 200
    for this warehouse); one at a time they cost a round trip each.
    """
    if not statements:
        return
    tag = f"$wh_{secrets.token_hex(6)}$"  # a dollar quote no description can contain
    cursor.execute(f"do {tag} begin\n" + ";\n".join(statements) + f";\nend {tag}")


def _schemas(cursor: Any) -> list[str]:
    cursor.execute("select nspname from pg_namespace")
    return [name for (name,) in cursor.fetchall()]


def _take_lock(cursor: Any, schema: str) -> None:
    """One publish per target schema at a time (a session lock, freed on disconnect)."""
    cursor.execute(f"select pg_try_advisory_lock(hashtext({sql_literal('warehouse:' + schema)}))")
    if not cursor.fetchall()[0][0]:
        raise PublishError(f"another `warehouse publish` into schema {schema!r} is running",
                           hint="wait for it to finish")


def _drop_leftovers(cursor: Any, schema: str) -> None:
    """Schemas a killed publish left behind (we hold the lock, so none is in use)."""
    for name in _schemas(cursor):
        if name.startswith((f"{schema}__loading_", f"{schema}__old_")):
            cursor.execute(f"drop schema {quote_ident(name)} cascade")


def _swap(cursor: Any, schema: str, loading: str) -> None:
    """In one transaction: old schema away, new one in, old one dropped.

    A dashboard query running on the old tables delays the commit (the drop
    waits for its lock); no query ever sees the schema missing or half-filled.
    """
    old = f"{schema}__old_{secrets.token_hex(4)}"
    exists = schema in _schemas(cursor)
    if exists:
        cursor.execute(f"alter schema {quote_ident(schema)} rename to {quote_ident(old)}")
    cursor.execute(f"alter schema {quote_ident(loading)} rename to {quote_ident(schema)}")
    if exists:
        cursor.execute(f"drop schema {quote_ident(old)} cascade")


# ---------------------------------------------------------------------- publish


def publish(project: Project, url: str, schema: str = MARTS_SCHEMA, *,
            echo: Callable[[str], None] = print) -> PublishResult:
    """Copy every mart of the published warehouse into `schema` at `url`, swapping atomically."""
    if not _SCHEMA_NAME.fullmatch(schema):
        raise UsageError(f"--schema {schema!r} is not a plain schema name",
                         hint="use lowercase letters, digits and _ (at most 40 characters)")
    if schema in _NOT_OURS or schema.startswith("pg_"):
        raise UsageError(f"--schema {schema} would replace a schema PostgreSQL or other "
                         "tools use", hint="publish replaces the whole target schema; "
                                           "use a schema of its own, such as marts")
    url = normalize(url)
    started = time.perf_counter()
    session = open_published(project)
    try:
        marts, keys = describe_marts(project, session)
        with _scrubbed(url, f"connecting to {redact(url)}"):
            pg = _connect(url)
        try:
            loads = _publish_marts(session, pg, url, schema, marts, echo)
        finally:
            with contextlib.suppress(Exception):
                pg.close()
    finally:
        session.close()
    return PublishResult(schema, loads, time.perf_counter() - started, keys)


def _publish_marts(session: Session, pg: Any, url: str, schema: str,
                   marts: list[Mart], echo: Callable[[str], None]) -> tuple[TableLoad, ...]:
    loading = f"{schema}__loading_{secrets.token_hex(4)}"
    with _scrubbed(url, "preparing the load"):
        cursor = pg.cursor()
        _take_lock(cursor, schema)
        _drop_leftovers(cursor, schema)
        ddl = [f"create schema {quote_ident(loading)}"]
        for mart in marts:
            ddl += table_ddl(loading, mart)
        _execute_all(cursor, ddl)
        pg.commit()
    try:
        loads = []
        for mart in marts:
            began = time.perf_counter()
            with _scrubbed(url, f"loading {schema}.{mart.name}"):
                reader = session.arrow_batches(mart.select_sql(), BATCH_ROWS)
                rows = _ingest(cursor, loading, mart.name, reader)
                pg.commit()
            load = TableLoad(mart.name, int(rows), time.perf_counter() - began)
            echo(f"  {schema}.{mart.name} {'.' * max(3, 40 - len(mart.name))} "
                 f"[{load.rows} rows in {load.seconds:.2f}s]")
            loads.append(load)
        with _scrubbed(url, "adding the primary and foreign keys"):
            _execute_all(cursor, key_ddl(loading, marts))
            pg.commit()
        with _scrubbed(url, f"swapping {loading} in as {schema}"):
            _swap(cursor, schema, loading)
            pg.commit()
        return tuple(loads)
    except BaseException:
        _abandon(pg, loading)
        raise


def _abandon(pg: Any, loading: str) -> None:
    """Best effort: roll back and drop the loading schema (a later publish drops it otherwise)."""
    with contextlib.suppress(Exception):
        pg.rollback()
        cursor = pg.cursor()
        cursor.execute(f"drop schema if exists {quote_ident(loading)} cascade")
        pg.commit()


def command(project: Project, args: argparse.Namespace) -> int:
    url = normalize(args.postgres)
    print(f"Publishing the marts of {project.database_path.name} to {redact(url)}, "
          f"schema {args.schema}")
    result = publish(project, url, args.schema)
    rows = sum(t.rows for t in result.tables)
    print(f"\nPublished {len(result.tables)} marts ({rows} rows) into schema "
          f"{result.schema} in {result.seconds:.2f}s")
    print(key_summary(result.keys))
    return 0


def key_summary(keys: Keys) -> str:
    """One line on the keys declared, and why any relationships test is not a foreign key."""
    tables = keys.tables.values()
    line = (f"Keys: {sum(1 for k in tables if k.primary)} primary, "
            f"{sum(len(k.unique) for k in tables)} unique, "
            f"{sum(len(k.foreign) for k in tables)} foreign (from unique, not_null and "
            f"relationships tests)")
    if keys.skipped:
        reasons = sorted({f"{s.table.name}: {s.reason}" for s in keys.skipped})
        line += "; no foreign key for " + "; ".join(reasons)
    return line
