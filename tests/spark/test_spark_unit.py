"""Unit tests (`unit_tests:` in YAML) on the Spark target: the same passes and failures as on
DuckDB. Their fixtures are typed from `describe (query)`, which Spark says DESCRIBE QUERY
and answers with its own type names (written back as DuckDB's), and the model under test
runs over fixture rows, an ordered, distinct, filtered string_agg among them."""

from __future__ import annotations

from spark_helpers import build_on

from warehouse.core.identity import NodeKind

FILES = {
    "seeds/raw_orders.csv": "id,customer,amount,ordered_on\n1,ann,10.5,2024-01-01\n"
                            "2,bob,20,2024-01-02\n",
    "seeds/_seeds.yml": """
        seeds:
          - name: raw_orders
            config:
              column_types: {amount: "decimal(10,2)"}
    """,
    "models/stg_orders.sql": "select id, customer, amount, ordered_on "
                             "from {{ ref('raw_orders') }}\n",
    "models/customer_totals.sql": """
        select customer, sum(amount) as total, avg(amount) as mean, count(*) as orders,
               max(ordered_on) + interval 30 day as due_on,
               string_agg(distinct cast(id as varchar), ',' order by cast(id as varchar))
                   filter (where amount > 1) as big_ids
        from {{ ref('stg_orders') }}
        group by customer
    """,
    "models/unit.yml": """
        unit_tests:
          - name: sums_per_customer
            model: customer_totals
            given:
              - input: ref('stg_orders')
                rows:
                  - {id: 2, customer: x, amount: 1, ordered_on: 2024-01-31}
                  - {id: 1, customer: x, amount: 2.5}
                  - {id: 3, customer: x, amount: 4}
                  - {id: 3, customer: y, amount: 0.5, ordered_on: '2024-02-29'}
            expect:
              rows:
                - {customer: x, total: 7.5, mean: 2.5, orders: 3, due_on: 2024-03-01,
                   big_ids: '1,3'}
                - {customer: y, total: 0.5, mean: 0.5, orders: 1, due_on: 2024-03-30,
                   big_ids: null}
          - name: wrong_total
            model: customer_totals
            given:
              - input: ref('stg_orders')
                rows:
                  - {id: 1, customer: x, amount: 1}
            expect:
              rows:
                - {customer: x, total: 2}
    """,
}


def _units(result) -> dict[str, str]:
    return {r.node_id.name: r.status for r in result.results
            if r.node_id.kind is NodeKind.UNIT_TEST}


def test_unit_tests_pass_and_fail_as_on_duckdb(spark_project, monkeypatch):
    root, _ = spark_project(FILES)
    duck, duck_out = build_on(root, None, monkeypatch)
    on_spark, spark_out = build_on(root, "spark", monkeypatch)
    units = _units(duck)
    assert units and set(units.values()) == {"pass", "fail"}, duck_out
    assert _units(on_spark) == units, spark_out
