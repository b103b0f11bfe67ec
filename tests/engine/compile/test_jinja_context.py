"""The rest of dbt's Jinja context: `api.Relation`, `modules`, `return`, `target`, `graph`,
`flags`, `invocation_id`, and `var()` wherever dbt renders it (dbt_project.yml, property
files, a source's schema and identifier), with --vars over the project's vars."""

from __future__ import annotations

import datetime

import pytest
from dbt_fixture import dbt_project, failed_build, ok_build, query, write

from warehouse.compile.load import load_project


def test_api_relation_modules_return_and_target(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "macros/helpers.sql": """
            {% macro quarter_of(month) %}
              {{ return((month - 1) // 3 + 1) }}
            {% endmacro %}
            """,
        "models/facts.sql": """
            {% set rel = api.Relation.create(schema='main', identifier='facts') %}
            {% set day = modules.datetime.date(2024, 5, 17) %}
            select '{{ rel }}' as relation, '{{ rel.identifier }}' as identifier,
                   '{{ day.strftime('%Y-%m') }}' as month, {{ quarter_of(day.month) }} as quarter,
                   '{{ target.name }}' as target_name, '{{ target.schema }}' as target_schema,
                   '{{ target.type }}' as target_type,
                   '{{ modules.re.sub('[aeiou]', '', 'warehouse') }}' as consonants
            """,
    })
    ok_build(root)
    assert query(root, "select * from main.facts") == [
        ('"main"."facts"', "facts", "2024-05", 2, "dev", "main", "duckdb", "wrhs")]


def test_return_gives_a_macro_value_not_text(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "macros/regions.sql": """
            {% macro regions() %}{{ return(['north', 'south']) }}{% endmacro %}
            """,
        "models/r.sql": """
            {% for region in regions() %}
            select '{{ region }}' as region {{ 'union all' if not loop.last }}
            {% endfor %}
            """,
    })
    ok_build(root)
    assert sorted(query(root, "select * from main.r")) == [("north",), ("south",)]


def test_graph_lists_the_project_nodes_at_run_time(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,10\n",
        "models/a.sql": "select 1 as x",
        "models/b.sql": "select 2 as x",
        "models/inventory.sql": """
            {% set names = [] %}
            {% if execute %}
              {% for node in graph.nodes.values() | sort(attribute='unique_id') %}
                {% do names.append(node.unique_id ~ ':' ~ node.resource_type) %}
              {% endfor %}
            {% endif %}
            select '{{ names | join(',') }}' as nodes
            """,
    })
    ok_build(root)
    assert query(root, "select * from main.inventory") == [(
        "model.shop.a:model,model.shop.b:model,model.shop.inventory:model,seed.shop.sales:seed",)]


def test_flags_and_invocation_id_are_the_run_s(tmp_path):
    """Read at run time: full refresh as asked, and an id new every run (the model that
    reads it is rebuilt every run, never skipped as unchanged)."""
    root = dbt_project(tmp_path / "p", {
        "models/run_info.sql": """
            select {{ flags.FULL_REFRESH }} as full_refresh, '{{ invocation_id }}' as run_id,
                   '{{ flags.WHICH }}' as command
            """,
    })
    ok_build(root)
    first = query(root, "select * from main.run_info")
    assert first[0][0] is False and first[0][2] == "build"
    assert ok_build(root, full_refresh=True)["run_info"] == "success"
    second = query(root, "select * from main.run_info")
    assert second[0][0] is True
    assert second[0][1] != first[0][1] and len(second[0][1]) == 36


def test_run_started_at_is_a_datetime_of_this_run(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/stamp.sql": "select '{{ run_started_at.strftime('%Y-%m-%d') }}' as day",
    })
    before = datetime.datetime.now(datetime.UTC).date()
    ok_build(root)
    day = query(root, "select day from main.stamp")[0][0]
    assert day in {str(before), str(datetime.datetime.now(datetime.UTC).date())}


# ----------------------------------------------------------------- var() everywhere

VARS_PROJECT = """
name: shop
profile: shop
vars:
  raw_schema: raw
  sales_table: sales_2024
  min_amount: 5
models:
  shop:
    +schema: "{{ var('mart_schema', 'marts') }}"
"""

SOURCES = """
sources:
  - name: raw
    schema: "{{ var('raw_schema') }}"
    tables:
      - name: sales
        identifier: "{{ var('sales_table') }}"
        description: "Sales loaded for {{ var('sales_table') }}"
"""


@pytest.fixture
def vars_project(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/sources.yml": SOURCES,
        "models/big_sales.sql":
            "select * from {{ source('raw', 'sales') }} where amount >= {{ var('min_amount') }}",
    }, project=VARS_PROJECT)
    import duckdb

    con = duckdb.connect(str(root / "shop.duckdb"))
    rows = "select * from (values {}) t(id, amount)"
    con.execute("create schema raw; create schema raw_eu;"
                f"create table raw.sales_2024 as {rows.format('(1, 10), (2, 3)')};"
                f"create table raw.sales_2025 as {rows.format('(3, 30), (4, 4)')};"
                f"create table raw_eu.sales_2025 as {rows.format('(9, 90)')}")
    con.close()
    return root


def test_var_in_a_source_honours_project_vars(vars_project):
    project = load_project(vars_project)
    source = next(n for n in project.nodes.values() if n.name == "raw.sales")
    assert (source.relation.schema, source.relation.name) == ("raw", "sales_2024")
    assert source.description == "Sales loaded for sales_2024"
    ok_build(vars_project)
    assert query(vars_project, "select id from main_marts.big_sales") == [(1,)]


def test_var_in_a_source_and_the_project_file_honour_cli_vars(vars_project):
    cli_vars = {"sales_table": "sales_2025", "min_amount": 1, "mart_schema": "eu"}
    ok_build(vars_project, vars=cli_vars)
    assert sorted(query(vars_project, "select id from main_eu.big_sales")) == [(3,), (4,)]

    ok_build(vars_project, vars={**cli_vars, "raw_schema": "raw_eu"})
    assert query(vars_project, "select id from main_eu.big_sales") == [(9,)]


def test_var_in_a_model_property_file_config(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/props.yml": """
            models:
              - name: m
                config:
                  materialized: "{{ var('kind', 'view') }}"
                  alias: "m_{{ var('suffix', 'dev') }}"
            """,
        "models/m.sql": "select 1 as x",
    })
    ok_build(root, vars={"kind": "table", "suffix": "prod"})
    kinds = query(root, "select table_name, table_type from information_schema.tables "
                        "where table_schema = 'main'")
    assert ("m_prod", "BASE TABLE") in kinds


def test_an_undefined_var_in_a_property_file_names_its_line(tmp_path):
    from warehouse.core.errors import ProjectError

    root = dbt_project(tmp_path / "p", {"models/sources.yml": SOURCES})
    write(root, "dbt_project.yml", "name: shop\nprofile: shop\n")
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    assert caught.value.path == "models/sources.yml"
    assert "raw_schema" in str(caught.value)


def test_the_project_s_own_generic_test_named_with_the_project_prefix(tmp_path):
    """dbt's docs case writes `- test.nothing` for a test the root project (named `test`)
    defines: the project's name is a namespace of its own macros, tests included."""
    root = dbt_project(tmp_path / "p", {
        "macros/tests.sql": """
            {% test no_negative(model, column_name='amount') %}
            select * from {{ model }} where {{ column_name }} < 0
            {% endtest %}
            """,
        "seeds/sales.csv": "region,amount\nnorth,10\nsouth,-7\n",
        "seeds/sales.yml": """
            seeds:
              - name: sales
                data_tests:
                  - shop.no_negative
                  - shop.no_negative:
                      name: north_not_negative
                      config: {where: "region = 'north'"}
            """,
    })
    result, out = failed_build(root)
    statuses = {r.node_id.name: r.status for r in result.results
                if r.node_id.kind.value == "test"}
    assert statuses == {"shop_no_negative_sales": "fail", "north_not_negative": "pass"}
    assert "-7" in out
