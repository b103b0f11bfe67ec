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
    "select count(*) from range(3) as t",
    "select x::int as y, x from (select 1 as x) as t",
    "select a from (select 1 as a) as t union all select 2",
    "select coalesce(a, 0) from (select 1 as a) as t",
    "select t.a, b as \"Mixed Case\" from (select 1 as a, 2 as b) as t",
    "select * from (select 1 as a) as t",
    "with q as (select 1 as a) select q.a, 'x' as label from q",
])
def test_the_columns_named_are_the_columns_duckdb_makes(sql):
    """What the analysis names (the manifest's columns when none are documented) is what
    DuckDB names the columns, or nothing: never `*`, an empty name or a cast's column."""
    columns = analyze_model_sql(sql, path="models/m.sql", template=sql).columns
    made = [d[0] for d in duckdb.connect().execute(sql).description]
    assert columns in ((), tuple(made)), (columns, made)
