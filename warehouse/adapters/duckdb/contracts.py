"""Enforced contracts on DuckDB: the query's columns checked first, then the table created
with the contract's columns and constraints, as dbt-duckdb does.

dbt compares the columns the query gives with the contract's as the database
spells their types (a `cast(null as int)` is INTEGER, whatever alias the YAML
uses), by name (exactly) and type, whatever their order; the table is then
created with the contract's columns in the contract's order, each with its
constraints (DuckDB enforces NOT NULL, CHECK, UNIQUE, PRIMARY KEY and FOREIGN
KEY), and filled with an INSERT that names them, so a row that breaks a
constraint fails the whole statement and the build's transaction leaves the
old table in place. A view can hold no constraint: its columns are checked
and it is created as it is.
"""

from __future__ import annotations

from typing import Any

from warehouse.adapters.base import ContractMismatch, ContractTypeError
from warehouse.core.identity import Relation, quote_ident
from warehouse.core.nodes import Contract


def query_columns(cur: Any, sql: str) -> list[tuple[str, str]]:
    """(name, type) of each column `sql` gives, in order, bound but not run. The query
    starts on the statement's second line (see adapters/base.py)."""
    rows = cur.execute(f"describe select * from (\n{sql}\n) as __warehouse_columns "
                       "where false").fetchall()
    return [(str(row[0]), str(row[1])) for row in rows]


def declared_columns(cur: Any, contract: Contract) -> list[tuple[str, str]]:
    """The contract's columns with their types as DuckDB spells them (dbt casts a null to
    each type and reads the result's types back); a ContractTypeError names the first
    column whose type DuckDB does not know."""
    from warehouse.adapters.duckdb.driver import duckdb

    casts = [f"cast(null as {c.data_type}) as {quote_ident(c.name)}" for c in contract.columns]
    try:
        rows = cur.execute("describe select " + ", ".join(casts)).fetchall()
    except duckdb.Error:
        for index, cast in enumerate(casts):
            try:
                cur.execute("describe select " + cast).fetchall()
            except duckdb.Error as exc:
                raise ContractTypeError(index, str(exc).splitlines()[0]) from None
        raise
    return [(str(row[0]), str(row[1])) for row in rows]


def check_contract(cur: Any, sql: str, contract: Contract) -> None:
    """Raise ContractMismatch unless `sql` gives exactly the contract's columns: the same
    number, each name found (exactly, as dbt matches them) with the same type."""
    actual = query_columns(cur, sql)
    expected = declared_columns(cur, contract)
    types = dict(expected)
    if len(actual) != len(expected) or any(types.get(name) != kind for name, kind in actual):
        raise ContractMismatch(expected, actual)


def contract_table_statements(relation: Relation, sql: str, contract: Contract) -> list[str]:
    """Create the table with the contract's columns and constraints, then fill it from the
    query by name (the query's order need not be the contract's)."""
    defined = [" ".join((quote_ident(c.name), c.data_type, *c.constraints))
               for c in contract.columns]
    if contract.enforce_constraints:
        defined += list(contract.constraints)
    else:
        defined = [f"{quote_ident(c.name)} {c.data_type}" for c in contract.columns]
    names = ", ".join(quote_ident(c.name) for c in contract.columns)
    body = sql.rstrip().rstrip(";")
    return [f"create or replace table {relation.sql} (\n  " + ",\n  ".join(defined) + "\n)",
            f"insert into {relation.sql} ({names}) select {names} from (\n{body}\n) "
            "as model_subq"]
