"""A node is skipped only when everything it reads is provably unchanged.

Each case builds, changes what the engine cannot see in the project files
(a source refilled by another loader, the clock), builds again, and compares
the tables with those of a full rebuild of the same inputs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from wh_helpers import build, rows

SOURCE_PROJECT = {
    "models/sources.yml": """
        sources:
          - name: raw
            tables:
              - name: orders
        """,
    "models/order_totals.sql": """
        {{ config(materialized='table') }}
        select customer, sum(amount) as total, count(*) as n
        from {{ source('raw', 'orders') }} group by customer
        """,
    "models/order_log.sql": """
        {{ config(materialized='incremental', unique_key='id') }}
        select id, customer, amount from {{ source('raw', 'orders') }}
        {% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
        """,
    "models/untouched.sql": "{{ config(materialized='table') }}\nselect 1 as one",
}


def load_orders(root: Path, sql: str) -> None:
    """What an outside loader does: write straight into the published warehouse."""
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        con.execute("create schema if not exists raw")
        con.execute(sql)
    finally:
        con.close()


def ran(result) -> dict[str, str]:
    return {str(r.node_id): r.detail.get("reason") for r in result.results
            if r.status not in ("unchanged",) and not r.detail.get("reused")}


def tables(root: Path) -> dict[str, list]:
    return {name: sorted(rows(root, f"select * from main.{name}"))
            for name in ("order_totals", "order_log", "untouched")}


@pytest.fixture
def source_project(make_project):
    root = make_project(SOURCE_PROJECT)
    load_orders(root, "create or replace table raw.orders as select * from (values "
                      "(1, 'a', 10), (2, 'a', 5), (3, 'b', 7)) t(id, customer, amount)")
    result, out = build(root)
    assert result.exit_code == 0, out
    return root


def test_a_source_refilled_by_another_loader_rebuilds_what_reads_it(source_project):
    root = source_project
    load_orders(root, "create or replace table raw.orders as select * from (values "
                      "(1, 'a', 10), (2, 'a', 6), (3, 'b', 7)) t(id, customer, amount)")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert ran(result) == {"model.order_totals": "parent changed",
                           "model.order_log": "incremental"}
    assert rows(root, "select total from main.order_totals where customer = 'a'") == [(16,)]
    after = tables(root)
    build(root, full_refresh=True)
    # The incremental model keeps the row it took before the update, as in dbt: its
    # filter takes new ids only. Everything else is what a full rebuild gives.
    assert {k: v for k, v in tables(root).items() if k != "order_log"} == {
        k: v for k, v in after.items() if k != "order_log"}


def test_an_incremental_model_takes_the_new_rows_of_its_source(source_project):
    root = source_project
    load_orders(root, "insert into raw.orders values (4, 'c', 1)")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert rows(root, "select count(*) from main.order_log") == [(4,)]
    after = tables(root)
    build(root, full_refresh=True)
    assert tables(root) == after


def test_nothing_runs_when_the_sources_are_as_the_last_build_saw_them(source_project):
    result, _ = build(source_project)
    assert ran(result) == {"model.order_log": "incremental"}  # and nothing else


def test_a_rewrite_with_the_same_rows_is_still_unchanged(source_project):
    """The signature is of the data, not of the file: the same rows in another order
    (a loader that truncates and reloads) change nothing."""
    load_orders(source_project, "create or replace table raw.orders as select * from "
                                "(values (3, 'b', 7), (2, 'a', 5), (1, 'a', 10)) "
                                "t(id, customer, amount)")
    result, _ = build(source_project)
    assert ran(result) == {"model.order_log": "incremental"}


def test_a_model_calling_a_volatile_function_always_runs(make_project):
    root = make_project({
        "models/stamp.sql": "{{ config(materialized='table') }}\n"
                            "select now() as built_at, random() as r -- not now(): a comment",
        "models/plain.sql": "{{ config(materialized='table') }}\n"
                            "select 'now()' as text_mentioning_now",
    })
    build(root)
    result, _ = build(root)
    assert ran(result) == {"model.stamp": "calls now(), random()"}


def test_a_test_calling_a_volatile_function_is_not_reused(make_project):
    root = make_project({
        "models/m.sql": "select date '2020-01-01' as d",
        "tests/not_in_future.sql": "select * from {{ ref('m') }} where d > current_date",
    })
    build(root)
    result, _ = build(root)
    assert ran(result) == {"test.not_in_future": "calls current_date()"}


def test_full_refresh_configs_are_honoured(make_project):
    root = make_project({
        "pyproject.toml": '[tool.warehouse]\n[tool.warehouse.seeds]\n"+full_refresh" = true\n',
        "seeds/people.csv": "id\n1\n",
        "models/kept.sql": """
            {{ config(materialized='incremental', full_refresh=false) }}
            select * from range({{ var('n', 2) }}) t(id)
            {% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
            """,
    })
    build(root)
    result, _ = build(root)
    assert ran(result) == {"seed.people": "full_refresh config", "model.kept": "incremental"}
    # --full-refresh does not rebuild a model configured full_refresh: false: its rows
    # stay, and the incremental step adds the new ones.
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute("insert into main.kept values (100)")
    con.close()
    result, _ = build(root, full_refresh=True, vars={"n": 3})
    assert ran(result)["model.kept"] == "incremental"
    assert rows(root, "select count(*) from main.kept") == [(3,)]  # 0, 1, 100: nothing new
