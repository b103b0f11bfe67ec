"""Materializations, seeds and data tests on the Spark target, checked against DuckDB's
build of the same project: tables, views, ephemeral models, the three incremental
strategies over two builds, seeds with declared types, generic and singular tests, and
store_failures."""

from __future__ import annotations

from spark_compare import differences, duckdb_table, spark_table
from spark_helpers import build_on

FIRST = "id,value,amount,code\n1,a,1.50,007\n2,b,2.25,010\n"
SECOND = "id,value,amount,code\n2,B,2.50,010\n3,c,,011\n"

INCREMENTAL = """
{{{{ config(materialized='incremental'{extra}) }}}}
select id, value, amount from {{{{ ref('events') }}}}
{{% if is_incremental() %}} where id >= 2 {{% endif %}}
"""

FILES = {
    "seeds/events.csv": FIRST,
    "seeds/_seeds.yml": """
        seeds:
          - name: events
            config:
              column_types: {amount: "decimal(10,2)", code: varchar}
    """,
    "models/base.sql": "{{ config(materialized='ephemeral') }}\n"
                       "select id, upper(value) as value, amount from {{ ref('events') }}\n",
    "models/as_table.sql": "{{ config(materialized='table') }}\n"
                           "select id, value, amount * 2 as double_amount from {{ ref('base') }}\n",
    "models/as_view.sql": "select value, count(*) as n from {{ ref('as_table') }} group by value\n",
    "models/inc_append.sql": INCREMENTAL.format(extra=""),
    "models/inc_merge.sql": INCREMENTAL.format(extra=", unique_key='id'"),
    "models/inc_delete.sql": INCREMENTAL.format(
        extra=", unique_key='id', incremental_strategy='delete+insert'"),
    "models/_models.yml": """
        models:
          - name: as_table
            columns:
              - name: id
                data_tests: [unique, not_null]
              - name: value
                data_tests:
                  - accepted_values: {values: ['A', 'B', 'C']}
          - name: inc_append
            columns:
              - name: id
                data_tests:
                  - unique:
                      config: {store_failures: true, severity: warn}
    """,
    "tests/no_negative_amounts.sql": "select * from {{ ref('as_table') }} "
                                     "where double_amount < 0\n",
}
RELATIONS = ("main.events", "main.as_table", "main.as_view", "main.inc_append",
             "main.inc_merge", "main.inc_delete")


def _statuses(result) -> dict[str, str]:
    return {r.node_id.name: r.status for r in result.results}


def test_materializations_match_duckdb_over_two_builds(spark_project, spark, monkeypatch):
    root, prefix = spark_project(FILES)
    for seed in (FIRST, SECOND):
        (root / "seeds/events.csv").write_text(seed, encoding="utf-8")
        duck, duck_out = build_on(root, None, monkeypatch)
        on_spark, spark_out = build_on(root, "spark", monkeypatch)
        assert duck.exit_code == 0, duck_out
        assert on_spark.exit_code == 0, spark_out
        assert _statuses(duck) == _statuses(on_spark)
        for relation in RELATIONS:
            assert not differences(duckdb_table(root, relation),
                                   spark_table(spark, prefix, relation)), relation
    # the second build: append kept both versions of id 2, merge and delete+insert one
    _, appended = spark_table(spark, prefix, "main.inc_append")
    _, merged = spark_table(spark, prefix, "main.inc_merge")
    assert sorted(r[0] for r in appended) == [1, 2, 2, 3]
    assert sorted((r[0], r[1]) for r in merged) == [(1, "a"), (2, "B"), (3, "c")]
    # the declared types: a decimal amount, a code that keeps its leading zeros
    types = dict(spark.table(f"{prefix}_main.events").dtypes)
    assert types["amount"] == "decimal(10,2)" and types["code"] == "string"
    # the warned unique test stored its failing rows (id 2 twice)
    warned = next(r for r in on_spark.results if r.node_id.name.startswith("unique_inc_append"))
    assert warned.status == "warn" and warned.failures == 1
    stored = [t.name for db in (d.name for d in spark.catalog.listDatabases())
              if db.startswith(prefix) for t in spark.catalog.listTables(db)
              if t.name.startswith("unique_inc_append")]
    assert stored


def test_failing_singular_test_fails_the_build(spark_project, spark, monkeypatch):
    files = {**FILES, "tests/no_big_ids.sql": "select * from {{ ref('as_table') }} where id > 1\n"}
    root, _ = spark_project(files)
    on_spark, out = build_on(root, "spark", monkeypatch)
    assert on_spark.exit_code != 0
    assert _statuses(on_spark)["no_big_ids"] == "fail", out


def test_test_counts_counts_every_query_at_once(spark, tmp_path):
    """A group of tests of one model is counted in one Spark query (run/testbatch.py): each
    query's count, in the order given, as if each ran alone."""
    from warehouse.adapters.spark.session import SparkWarehouseSession
    from warehouse.adapters.spark.settings import SparkSettings

    session = SparkWarehouseSession(SparkSettings(root=tmp_path, database_prefix="counts_"),
                                    spark)
    queries = ["select i from range(5) as t(i) where i % 2 = 0",
               "select 1 as x where false",
               "with r as (select * from range(3) as t(i))\nselect * from r -- a comment"]
    assert session.test_counts(queries) == [3, 0, 3]
