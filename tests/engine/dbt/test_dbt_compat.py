"""Existing dbt projects build the tables dbt-duckdb would build.

The expected relations and rows are written by hand from dbt's documented
semantics (dbt is not installed): `generate_schema_name` prefixes the target
schema, folder configs nest under the project name, `+key` and `key` mean
the same, `enabled: false` builds nothing, an incremental model appends on
its second run.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

JAFFLE = {
    "dbt_project.yml": """
        name: jaffle_shop
        version: '1.0.0'
        config-version: 2
        profile: jaffle
        model-paths: ["models"]
        seed-paths: ["seeds"]
        macro-paths: ["macros"]
        test-paths: ["tests"]
        target-path: "target"
        clean-targets: ["target", "dbt_packages"]
        require-dbt-version: ">=1.7.0"
        vars:
          first_order_date: '2018-01-01'
          jaffle_shop:
            payment_methods: ['credit_card', 'coupon', 'bank_transfer', 'gift_card']
        models:
          jaffle_shop:
            +tags: [jaffle]
            staging:
              +materialized: view
              +schema: staging
            marts:
              materialized: table
              finance:
                +schema: finance
                order_payments:
                  +alias: fct_order_payments
            scratch:
              +enabled: false
        seeds:
          jaffle_shop:
            +schema: raw
            raw_payments:
              column_types:
                amount: bigint
        """,
    "profiles.yml": """
        jaffle:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: jaffle.duckdb
              threads: 2
            prod:
              type: duckdb
              path: prod.duckdb
              schema: prod
        """,
    "seeds/raw_customers.csv": "id,first_name,last_name\n1,Michael,P.\n2,Shawn,M.\n3,Kathleen,P.\n",
    "seeds/raw_orders.csv": (
        "id,user_id,order_date,status\n1,1,2018-01-01,returned\n2,3,2018-01-02,completed\n"
        "3,1,2018-01-04,completed\n4,2,2017-12-31,placed\n"),
    "seeds/raw_payments.csv": (
        "id,order_id,payment_method,amount\n1,1,credit_card,1000\n2,2,coupon,2050\n"
        "3,3,coupon,100\n4,3,gift_card,2500\n"),
    "seeds/properties.yml": """
        version: 2
        seeds:
          - name: raw_orders
            description: Orders as the shop's system exports them.
            config:
              column_types:
                order_date: date
                status: varchar
        """,
    "macros/cents_to_dollars.sql": """
        {% macro cents_to_dollars(column_name, scale=2) -%}
            ({{ column_name }} / 100)::numeric(16, {{ scale }})
        {%- endmacro %}
        """,
    "models/docs.md": """
        {% docs orders_status %}
        One of placed, shipped, completed, return_pending or returned.
        {% enddocs %}
        """,
    "models/staging/sources.yml": """
        version: 2
        sources:
          - name: legacy
            description: The old CRM, loaded by another tool.
            tables:
              - name: customer_notes
                columns:
                  - name: customer_id
                    data_tests: [not_null]
        """,
    "models/staging/stg_customers.sql": """
        select id as customer_id, first_name, last_name from {{ ref('raw_customers') }}
        """,
    "models/staging/stg_orders.sql": """
        select id as order_id, user_id as customer_id, order_date, status
        from {{ ref('raw_orders') }}
        where order_date >= '{{ var("first_order_date") }}'
        """,
    "models/staging/stg_payments.sql": """
        select id as payment_id, order_id, payment_method,
               {{ cents_to_dollars('amount') }} as amount
        from {{ ref('raw_payments') }}
        """,
    "models/staging/stg_customer_notes.sql": """
        select customer_id, note from {{ source('legacy', 'customer_notes') }}
        """,
    "models/staging/schema.yml": """
        version: 2
        models:
          - name: stg_orders
            columns:
              - name: order_id
                data_tests: [unique, not_null]
              - name: status
                data_tests:
                  - accepted_values:
                      arguments:
                        values: ['placed', 'shipped', 'completed', 'return_pending', 'returned']
          - name: stg_payments
            columns:
              - name: payment_method
                tests:
                  - accepted_values:
                      values: ['credit_card', 'coupon', 'bank_transfer', 'gift_card']
        """,
    "models/marts/customers.sql": """
        with orders as (
            select customer_id, count(*) as number_of_orders, min(order_date) as first_order
            from {{ ref('stg_orders') }} group by 1
        )
        select c.customer_id, c.first_name, o.first_order,
               coalesce(o.number_of_orders, 0) as number_of_orders
        from {{ ref('stg_customers') }} c left join orders o using (customer_id)
        """,
    "models/marts/orders.sql": """
        {{ config(tags=['daily']) }}
        {% set methods = var('payment_methods') %}
        select o.order_id, o.customer_id, o.status,
          {% for m in methods %}
          coalesce(sum(case when p.payment_method = '{{ m }}' then p.amount end), 0)
              as {{ m }}_amount,
          {% endfor %}
          coalesce(sum(p.amount), 0) as amount
        from {{ ref('stg_orders') }} o
        left join {{ ref('stg_payments') }} p using (order_id)
        group by all
        """,
    "models/marts/finance/order_payments.sql": """
        {{ config(materialized='incremental', unique_key='payment_id') }}
        select payment_id, order_id, amount from {{ ref('stg_payments') }}
        {% if is_incremental() %}
        where payment_id > (select max(payment_id) from {{ this }})
        {% endif %}
        """,
    "models/marts/schema.yml": """
        version: 2
        models:
          - name: customers
            description: One row per customer.
            columns:
              - name: customer_id
                data_tests: [unique, not_null]
          - name: orders
            columns:
              - name: order_id
                data_tests: [unique]
              - name: status
                description: '{{ doc("orders_status") }}'
              - name: customer_id
                data_tests:
                  - relationships:
                      to: ref('customers')
                      field: customer_id
        exposures:
          - name: weekly_dashboard
            type: dashboard
            owner: {name: Analytics}
            depends_on: [ref('orders')]
        """,
    "models/scratch/wip.sql": "select 1 as not_built",
    "tests/assert_payments_positive.sql": """
        select * from {{ ref('order_payments') }} where amount <= 0
        """,
}


def write_dbt_project(make_project, files: dict[str, str], name: str = "project") -> Path:
    root = make_project(files, name)
    (root / "pyproject.toml").unlink()  # a dbt project folder has none
    return root


def relations(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select table_schema || '.' || table_name, table_type "
                           "from information_schema.tables").fetchall()
    finally:
        con.close()
    return {name: "view" if kind == "VIEW" else "table" for name, kind in rows
            if not name.startswith("_warehouse.")}  # the engine's own bookkeeping


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def statuses(root: Path) -> dict[str, str]:
    from warehouse.run.artifacts import result_statuses  # by our ids: model.orders

    return result_statuses(json.loads((root / "target" / "run_results.json").read_text()))


@pytest.fixture
def jaffle(make_project, monkeypatch) -> Path:
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    root = write_dbt_project(make_project, JAFFLE, "jaffle")
    con = duckdb.connect(str(root / "jaffle.duckdb"))  # the source another tool loads
    con.execute("create schema legacy; create table legacy.customer_notes as "
                "select * from (values (1, 'vip'), (3, 'moved')) t(customer_id, note)")
    con.close()
    return root


def test_jaffle_shop_builds_the_relations_dbt_would(jaffle, cli):
    res = cli(jaffle, "build")
    assert res.code == 0, res.text
    db = jaffle / "jaffle.duckdb"
    assert relations(db) == {
        "legacy.customer_notes": "table",
        "main_raw.raw_customers": "table",
        "main_raw.raw_orders": "table",
        "main_raw.raw_payments": "table",
        "main_staging.stg_customers": "view",
        "main_staging.stg_orders": "view",
        "main_staging.stg_payments": "view",
        "main_staging.stg_customer_notes": "view",
        "main.customers": "table",
        "main.orders": "table",
        "main_finance.fct_order_payments": "table",
    }
    assert not (jaffle / "prod.duckdb").exists()
    assert query(db, "select * from main.customers order by 1") == [
        (1, "Michael", date(2018, 1, 1), 2),
        (2, "Shawn", None, 0),  # the 2017 order is before first_order_date
        (3, "Kathleen", date(2018, 1, 2), 1),
    ]
    assert query(db, "select order_id, status, credit_card_amount, coupon_amount, "
                     "gift_card_amount, amount::double from main.orders order by 1") == [
        (1, "returned", 10, 0, 0, 10.0),
        (2, "completed", 0, 20.5, 0, 20.5),
        (3, "completed", 0, 1, 25, 26.0),
    ]
    assert query(db, "select data_type from information_schema.columns where "
                     "table_name = 'raw_payments' and column_name = 'amount'") == [("BIGINT",)]
    got = statuses(jaffle)
    assert "model.wip" not in got  # +enabled: false on its folder
    tests = {k: v for k, v in got.items() if k.startswith("test.")}
    assert set(tests.values()) == {"pass"} and len(tests) == 10
    assert {"test.not_null_customer_notes_customer_id", "test.unique_stg_orders_order_id",
            "test.unique_customers_customer_id", "test.assert_payments_positive",
            "test.relationships_orders_customer_id__customer_id__ref_customers_"} <= set(tests)
    accepted = [k for k in tests if k.startswith("test.accepted_values_")]
    assert len(accepted) == 2


def test_jaffle_shop_docs_tags_and_incremental(jaffle, cli):
    assert cli(jaffle, "build").code == 0
    manifest = json.loads((jaffle / "target" / "manifest.json").read_text())
    text = json.dumps(manifest)
    assert "One of placed, shipped, completed, return_pending or returned." in text
    listed = cli(jaffle, "ls", "--select", "tag:daily", "--resource-type", "model",
                 "--output", "name")
    assert listed.out.split() == ["orders"]
    tagged = cli(jaffle, "ls", "--select", "tag:jaffle", "--resource-type", "model",
                 "--output", "name")
    assert sorted(tagged.out.split()) == ["customers", "order_payments", "orders",
                                          "stg_customer_notes", "stg_customers", "stg_orders",
                                          "stg_payments"]
    seeds = jaffle / "seeds" / "raw_payments.csv"
    seeds.write_text(seeds.read_text() + "5,2,bank_transfer,700\n")
    db = jaffle / "jaffle.duckdb"
    before = query(db, "select count(*) from main_finance.fct_order_payments")
    res = cli(jaffle, "build")
    assert res.code == 0, res.text
    assert before == [(4,)]
    assert query(db, "select payment_id, amount::double from main_finance.fct_order_payments "
                     "order by 1") == [(1, 10.0), (2, 20.5), (3, 1.0), (4, 25.0), (5, 7.0)]


def test_jaffle_shop_failing_generic_test_fails_the_build(jaffle, cli):
    orders = jaffle / "seeds" / "raw_orders.csv"
    orders.write_text(orders.read_text() + "5,1,2018-02-01,lost\n")
    res = cli(jaffle, "build")
    assert res.code == 1
    failed = [k for k, v in statuses(jaffle).items() if v == "fail"]
    assert len(failed) == 1 and failed[0].startswith("test.accepted_values_stg_orders_")


# ---------------------------------------------------------------------------
# A small project whose profile lives in DBT_PROFILES_DIR
# ---------------------------------------------------------------------------

SMALL = {
    "dbt_project.yml": """
        name: small
        profile: analytics
        vars:
          region: north
          min_amount: 5
        models:
          small:
            reporting:
              +schema: reporting
        """,
    "seeds/sales.csv": "id,region,amount\n1,north,10\n2,south,7\n3,north,3\n4,north,8\n",
    "models/base_sales.sql":
        "select * from {{ ref('sales') }} where amount >= {{ var('min_amount') }}",
    "models/reporting/region_sales.sql": """
        {{ config(materialized='table') }}
        select '{{ var("region") }}' as region, sum(amount) as total, '{{ target.name }}' as target
        from {{ ref('base_sales') }} where region = '{{ var("region") }}'
        """,
}
PROFILES = """
analytics:
  target: "{{ env_var('SMALL_TARGET', 'dev') }}"
  outputs:
    dev:
      type: duckdb
      path: dev.duckdb
    ci:
      type: duckdb
      path: "{{ env_var('SMALL_DB') }}"
      schema: "{{ env_var('SMALL_SCHEMA', 'analytics') }}"
      threads: "{{ env_var('SMALL_THREADS', '2') | as_number }}"
"""


@pytest.fixture
def small(make_project, tmp_path, monkeypatch) -> Path:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(PROFILES)
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles))
    monkeypatch.delenv("DBT_TARGET", raising=False)
    monkeypatch.setenv("SMALL_TARGET", "ci")
    monkeypatch.setenv("SMALL_DB", "ci_build.duckdb")
    return write_dbt_project(make_project, SMALL, "small")


def test_profile_from_dbt_profiles_dir_with_env_vars_and_target(small, cli):
    res = cli(small, "build")
    assert res.code == 0, res.text
    db = small / "ci_build.duckdb"
    assert not (small / "dev.duckdb").exists()
    assert relations(db) == {"analytics.sales": "table", "analytics.base_sales": "view",
                             "analytics_reporting.region_sales": "table"}
    assert query(db, "select * from analytics_reporting.region_sales") == [("north", 18, "ci")]


def test_vars_from_the_command_line_override_the_project(small, cli):
    res = cli(small, "build", "--vars", '{"region": "south", "min_amount": 1}')
    assert res.code == 0, res.text
    assert query(small / "ci_build.duckdb", "select * from analytics_reporting.region_sales"
                 ) == [("south", 7, "ci")]


def test_dbt_target_environment_variable_picks_the_output(small, cli, monkeypatch):
    monkeypatch.setenv("DBT_TARGET", "dev")
    res = cli(small, "build")
    assert res.code == 0, res.text
    assert relations(small / "dev.duckdb")["main_reporting.region_sales"] == "table"


def test_missing_env_var_in_profile_is_named(small, cli, monkeypatch):
    monkeypatch.delenv("SMALL_DB")
    res = cli(small, "build")
    assert res.code == 2
    assert "SMALL_DB" in res.err and "profiles.yml" in res.err


def test_project_folder_profile_is_used_without_dbt_profiles_dir(small, cli, monkeypatch):
    monkeypatch.delenv("DBT_PROFILES_DIR")
    (small / "profiles.yml").write_text(
        "analytics:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n"
        "      path: local.duckdb\n      schema: dev\n")
    res = cli(small, "build")
    assert res.code == 0, res.text
    assert "dev_reporting.region_sales" in relations(small / "local.duckdb")


def test_project_generate_schema_name_macro_is_honoured(small, cli):
    (small / "macros").mkdir()
    (small / "macros" / "schemas.sql").write_text("""
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
""")
    res = cli(small, "build")
    assert res.code == 0, res.text
    assert relations(small / "ci_build.duckdb") == {
        "analytics.sales": "table", "analytics.base_sales": "view",
        "reporting.region_sales": "table"}


def test_pyproject_project_keeps_its_own_schema_naming(make_project, cli):
    root = make_project({
        "pyproject.toml": '[tool.warehouse]\n[tool.warehouse.models.marts]\n"+schema" = "marts"\n',
        "models/marts/m.sql": "select 1 as x",
    })
    assert cli(root, "build").code == 0
    assert relations(root / "warehouse.duckdb") == {"marts.m": "view"}


def test_profiles_dir_and_target_flags(small, cli, tmp_path, monkeypatch):
    monkeypatch.delenv("DBT_PROFILES_DIR")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "profiles.yml").write_text(
        "analytics:\n  outputs:\n    qa:\n      type: duckdb\n      path: qa.duckdb\n")
    res = cli(small, "build", "--profiles-dir", str(elsewhere), "--target", "qa")
    assert res.code == 0, res.text
    assert "main_reporting.region_sales" in relations(small / "qa.duckdb")


def test_source_schema_may_use_jinja(small, cli, monkeypatch):
    import duckdb as ddb

    monkeypatch.setenv("RAW_SCHEMA", "crm")
    con = ddb.connect(str(small / "ci_build.duckdb"))
    con.execute("create schema crm; create table crm.people as select 1 as id")
    con.close()
    (small / "models" / "src.yml").write_text(
        "sources:\n  - name: raw\n    schema: \"{{ env_var('RAW_SCHEMA') }}\"\n"
        "    tables: [{name: people}]\n")
    (small / "models" / "people.sql").write_text("select id from {{ source('raw', 'people') }}")
    res = cli(small, "build")
    assert res.code == 0, res.text
    assert query(small / "ci_build.duckdb", "select * from analytics.people") == [(1,)]


def test_alias_macro_and_disabled_seed(small, cli):
    (small / "macros").mkdir()
    (small / "macros" / "alias.sql").write_text("""
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if node.resource_type == 'model' -%}m_{{ node.name }}
    {%- else -%}{{ default__generate_alias_name(custom_alias_name, node) }}{%- endif -%}
{%- endmacro %}
""")
    (small / "seeds" / "unused.csv").write_text("a\n1\n")
    project = small / "dbt_project.yml"
    project.write_text(project.read_text()
                       + "seeds:\n  small:\n    unused:\n      +enabled: false\n")
    res = cli(small, "build")
    assert res.code == 0, res.text
    assert relations(small / "ci_build.duckdb") == {
        "analytics.sales": "table", "analytics.m_base_sales": "view",
        "analytics_reporting.m_region_sales": "table"}
