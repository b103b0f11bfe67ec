"""A dbt project folder (dbt_project.yml + a DuckDB profile) builds with the engine."""

from __future__ import annotations

import duckdb


def test_dbt_project_with_folder_configs_builds(make_project, cli):
    root = make_project({
        "pyproject.toml": "",
        "dbt_project.yml": """
            name: shop
            profile: shop
            models:
              shop:
                staging:
                  +materialized: view
                marts:
                  +materialized: table
                  +schema: marts
            """,
        "profiles.yml": """
            shop:
              target: dev
              outputs:
                dev:
                  type: duckdb
                  path: shop.duckdb
                  threads: 2
            """,
        "seeds/orders.csv": "id,amount\n1,10\n2,32\n",
        "models/staging/stg_orders.sql": "select id, amount from {{ ref('orders') }}",
        "models/marts/revenue.sql": "select sum(amount) as total from {{ ref('stg_orders') }}",
        "models/marts/schema.yml": """
            version: 2
            models:
              - name: revenue
                columns:
                  - name: total
                    data_tests: [not_null]
            """,
    })
    (root / "pyproject.toml").unlink()
    res = cli(root, "build")
    assert res.code == 0, res.text
    con = duckdb.connect(str(root / "shop.duckdb"), read_only=True)
    kinds = dict(con.execute("select table_schema || '.' || table_name, table_type "
                             "from information_schema.tables").fetchall())
    assert kinds["main.stg_orders"] == "VIEW"
    assert kinds["main_marts.revenue"] == "BASE TABLE"  # dbt: <target schema>_<schema>
    assert con.execute("select total from main_marts.revenue").fetchall() == [(42,)]
    con.close()


def test_unsupported_dbt_setting_is_named(make_project, cli):
    root = make_project({
        "dbt_project.yml": "name: shop\non-run-start: ['select 1']\n",
        "models/a.sql": "select 1 as x",
    })
    res = cli(root, "build")
    assert res.code == 2
    assert "on-run-start" in res.err and "dbt_project.yml" in res.err
