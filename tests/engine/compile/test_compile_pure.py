"""Pure steps of compilation: position mapping and ephemeral CTE injection.

SQL is compared as sqlglot ASTs, and the injected SQL is also executed, so a
rewrite that parses but means something else fails too.
"""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from warehouse.compile.parse import analyze_model_sql, map_position
from warehouse.compile.resolve import prepend_ctes


def same_ast(a: str, b: str) -> bool:
    return sqlglot.parse_one(a, dialect="duckdb") == sqlglot.parse_one(b, dialect="duckdb")


@pytest.mark.parametrize(("sql", "expected"), [
    ("select * from __dbt__cte__e",
     "with __dbt__cte__e as (select 1 as x) select * from __dbt__cte__e"),
    ("-- note\nwith a as (select * from __dbt__cte__e) select * from a",
     "with __dbt__cte__e as (select 1 as x), a as (select * from __dbt__cte__e) select * from a"),
    ("with recursive r(n) as (select 1 union all select n + 1 from r where n < 2) "
     "select * from r, __dbt__cte__e",
     "with recursive __dbt__cte__e as (select 1 as x), r(n) as (select 1 union all "
     "select n + 1 from r where n < 2) select * from r, __dbt__cte__e"),
])
def test_prepend_ctes_keeps_the_query_meaning(sql, expected):
    out = prepend_ctes(sql, ["__dbt__cte__e as (\nselect 1 as x\n)"])
    assert same_ast(out, expected)
    con = duckdb.connect()
    assert con.execute(out).fetchall() == con.execute(expected).fetchall()


def test_map_position_through_jinja_lines():
    template = ("{{ config(\n  materialized='table') }}\n"
                "select {{ ref('a') }}.x\nfrom {{ ref('a') }}\n")
    rendered = '\nselect "main"."a".x\nfrom "main"."a"\n'
    assert map_position(template, rendered, 2, 1) == (3, 1)
    # the column of `from` after a substituted ref maps to the template's column
    line, col = map_position(template, rendered, 3, 6)
    assert (line, col) == (4, 6)


def test_analysis_reports_tables_ctes_and_columns():
    parsed = analyze_model_sql(
        'with c as (select * from "staging"."x") select c.id, y.v as value '
        'from c join "marts"."y" as y using (id)', path="m.sql", template="")
    assert {(t.schema, t.name) for t in parsed.tables} == {("staging", "x"), ("marts", "y")}
    assert parsed.columns == ("id", "value")
    assert parsed.parser == "sqlglot"


@pytest.mark.parametrize("sql", [
    "select 1",
    "select count(*) from t",
    "select a::int as y, a from t",
    "select coalesce(a, 0) from t",
    "select t.a, b as \"Mixed Case\" from t",
    "select * from t",
    "select (a), ((t.b)) from t",
    "with q as (select a from t) select q.a, 'x' as label from q",
    "select a from t union all select b as bb from u",
    "(select a as x from t) union (select b as y from u)",
    "with q as (select a from t) select a from q union select 5 as z except select 6 as w",
    "select a as x from t union (select b as y from u union select a from t)",
])
def test_the_columns_named_are_the_columns_duckdb_makes(sql):
    """What the analysis names (the manifest's columns when none are documented) is what
    DuckDB names the columns, or nothing: never `*`, an empty name, a cast's column or a
    later query's of a union; and DuckDB's own tree, read where sqlglot cannot parse,
    names the same columns and tables."""
    from warehouse.adapters.duckdb.parser import DuckDBParser

    con = duckdb.connect()
    con.execute("create table t as select 1 as a, 2 as b")
    con.execute("create table u as select 3 as a, 4 as b")
    made = tuple(d[0] for d in con.execute(sql).description)
    parsed = analyze_model_sql(sql, path="models/m.sql", template=sql)
    native = DuckDBParser().parse(sql)
    assert parsed.parser == "sqlglot"
    assert parsed.columns in ((), made), (parsed.columns, made)
    assert native.columns == parsed.columns
    assert sorted(t.name for t in native.tables) == sorted(t.name for t in parsed.tables)
