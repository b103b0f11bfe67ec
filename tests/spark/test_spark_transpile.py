"""DuckDB constructs sqlglot leaves unchanged, carried to Spark SQL with their meaning
(no Spark needed: the SQL written is checked as an AST)."""

from __future__ import annotations

import pytest
import sqlglot

from warehouse.adapters.spark.transpile import TranspileError, to_spark_one

TABLES = {("main", "a"): [("x", "bigint"), ("y", "string")],
          ("main", "b"): [("y", "string"), ("z", "double")]}


def _columns(schema, table):
    return TABLES.get((schema, table))


def _same(spark_sql: str, expected: str) -> None:
    assert sqlglot.parse_one(spark_sql, read="spark") == sqlglot.parse_one(expected, read="spark")


def test_union_by_name_selects_every_branch_in_the_same_order():
    sql = ("select * from main.a union all by name select * from main.b "
           "union all by name select 2 as x")
    _same(to_spark_one(sql, None, _columns),
          "select a.x as x, a.y as y, null as z from main.a as a union all "
          "select null as x, b.y as y, b.z as z from main.b as b union all "
          "select 2 as x, null as y, null as z")


def test_union_by_name_of_unknown_columns_is_refused_at_its_line():
    with pytest.raises(TranspileError) as caught:
        to_spark_one("select *\nfrom main.unknown\nunion by name select 1 as x", None, _columns)
    assert "UNION BY NAME" in str(caught.value) and "\nLINE" in str(caught.value)


def test_similar_to_matches_the_whole_text():
    _same(to_spark_one("select x similar to '[0-9]{2}' from t"),
          "select x rlike '^(?:[0-9]{2})$' from t")


def test_regexp_full_match_matches_the_whole_text():
    _same(to_spark_one("select regexp_full_match(x, '[a-z]+') from t"),
          "select x rlike '^(?:[a-z]+)$' from t")


def test_day_of_week_counts_from_sunday_as_zero():
    _same(to_spark_one("select extract(dow from d), dayofweek(d) from t"),
          "select (extract(dow from d) - 1), (dayofweek(d) - 1) from t")


def test_date_plus_interval_is_a_timestamp():
    _same(to_spark_one("select d + interval 1 day from t"),
          "select cast(d as timestamp_ntz) + interval '1' day from t")


def test_range_table_function_is_sparks_range_with_duckdbs_names():
    _same(to_spark_one("select i from range(500) as t(i)"),
          "select i from range(0, 500) as t(i)")
    _same(to_spark_one("select * from generate_series(1, 5)"),
          "select * from range(1, 5 + 1) as generate_series(generate_series)")


def test_len_of_a_list_is_size_and_of_a_string_length():
    """Which `len` a call means is its argument's type: from the tables' columns, through
    CTEs, or the expression itself (a list literal, a list aggregate)."""
    sql = ("with l as (select x, list(y) as ys from main.a group by x) "
           "select len(ys), len(x), len(b.y), len([1, 2]), length(ys) "
           "from l join main.b as b using (x)")
    tables = {("main", "a"): [("x", "string"), ("y", "int")],
              ("main", "b"): [("x", "string"), ("y", "array<int>")]}
    written = sqlglot.parse_one(to_spark_one(sql, None, lambda s, t: tables.get((s, t))),
                                read="spark")
    sizes = [f.this.sql("spark") for f in written.find_all(sqlglot.exp.ArraySize)
             if f.find_ancestor(sqlglot.exp.Select) is written]
    lengths = [f.this.sql("spark") for f in written.find_all(sqlglot.exp.Length)]
    assert sorted(sizes) == ["ARRAY(1, 2)", "b.y", "ys", "ys"] and lengths == ["x"]


@pytest.mark.parametrize("call", [
    "printf('%.2f', x)", "printf('%d: %.1f', 3, round(x::decimal(38, 9), 2))",
    "printf('%e', round(x::decimal(38, 9), 2))", "printf(y, x)", "format('{}', x)"])
def test_printing_that_rounds_otherwise_on_spark_is_refused_at_its_line(call):
    with pytest.raises(TranspileError) as caught:
        to_spark_one(f"select 1 as a,\n  {call} as b\nfrom main.a", None, _columns)
    message = str(caught.value)
    assert message.startswith("cannot run on Spark") and message.endswith(f": {call} as b")


def test_printing_a_rounded_decimal_is_kept():
    _same(to_spark_one("select printf('%d %.2f %s', 1, round(x::decimal(38, 9), 2), y) from t"),
          "select printf('%d %.2f %s', 1, cast(round(cast(x as decimal(38, 9)), 2) as double), y) "
          "from t")
