"""Jinja features and data tests through whole fixture projects."""

from __future__ import annotations

import duckdb
from wh_helpers import build, rows


def test_sources_docs_env_vars_and_config_get(make_project, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_TEST_REGION", "north")
    root = make_project({
        "pyproject.toml": '[tool.warehouse.seeds]\n"+schema" = "landing"\n',
        "seeds/raw.csv": "id,label\n1,x\n",
        "models/sources.yml": """
            sources:
              - name: landing
                tables:
                  - name: raw_orders
                    identifier: raw
            models:
              - name: report
                description: "{{ doc('report_doc') }}"
            """,
        "models/docs.md": "{% docs report_doc %}Orders by region.{% enddocs %}",
        "models/report.sql": """
            {{ config(materialized='table', tags=['t1']) }}
            select id, '{{ env_var("WAREHOUSE_TEST_REGION") }}' as region,
                   '{{ config.get("materialized") }}' as how,
                   '{{ env_var("WAREHOUSE_UNSET_VAR", "dflt") }}' as fallback
            from {{ source('landing', 'raw_orders') }}
            """,
    })
    # the source's table is loaded by a seed; sources have no parents, so seed first
    assert build(root, "seed")[0].exit_code == 0
    result, out = build(root, "run")
    assert result.exit_code == 0, out
    assert rows(root, "select * from report") == [(1, "north", "table", "dflt")]
    from warehouse.compile.load import load_project

    project = load_project(root)
    report = next(n for n in project.nodes.values() if n.name == "report")
    assert report.description == "Orders by region."


def test_generic_tests_custom_tests_and_singular_tests(make_project):
    root = make_project({
        "macros/tests.sql": """
            {% test is_even(model, column_name) %}
            select * from {{ model }} where {{ column_name }} % 2 <> 0
            {% endtest %}
            """,
        "models/nums.sql": "{{ config(materialized='table') }}"
                           "select x as id, x * 2 as twice, null::int as empty "
                           "from range(1, 6) t(x)",
        "models/schema.yml": """
            models:
              - name: nums
                data_tests:
                  - expression_is_true: {expression: "twice = id * 2"}
                columns:
                  - name: id
                    data_tests: [unique, not_null, is_even]
                  - name: twice
                    tests:
                      - is_even
                  - name: empty
                    data_tests:
                      - not_null:
                          config: {severity: warn}
                      - not_null:
                          name: empty_not_null_filtered
                          config: {where: "id > 10"}
            """,
        "tests/data/no_big_ids.sql": "{{ config(severity='error', error_if='>2') }}\n"
                                     "select * from {{ ref('nums') }} where id > 2",
    })
    result, out = build(root)
    status = {r.node_id.name: r.status for r in result.results}
    assert status["is_even_nums_id"] == "fail"
    assert status["is_even_nums_twice"] == "pass"
    assert status["not_null_nums_empty"] == "warn"
    assert status["empty_not_null_filtered"] == "pass"
    assert status["unique_nums_id"] == "pass"
    assert status["no_big_ids"] == "fail"  # 3 rows > 2
    assert result.exit_code == 1
    assert "is_even_nums_id" in out and "model nums, column id" in out


def test_store_failures_keeps_failing_rows(make_project):
    root = make_project({
        "models/nums.sql": "{{ config(materialized='table') }} select * from range(4) t(id)",
        "models/schema.yml": """
            models:
              - name: nums
                columns:
                  - name: id
                    data_tests:
                      - accepted_values:
                          values: [0, 1]
                          quote: false
                          config: {store_failures: true, severity: warn}
            """,
    })
    result, out = build(root)
    assert result.exit_code == 0, out
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    stored = con.execute("select table_name from information_schema.tables "
                         "where table_schema = 'test_failures'").fetchall()
    assert len(stored) == 1
    assert con.execute(f"select count(*) from test_failures.{stored[0][0]}").fetchall() == [(2,)]
    con.close()


def test_relationships_test_depends_on_both_models(make_project):
    root = make_project({
        "models/dim.sql": "{{ config(materialized='table') }} select 1 as k",
        "models/fct.sql": "{{ config(materialized='table') }} select 1 as k union all select 2",
        "models/schema.yml": """
            models:
              - name: fct
                columns:
                  - name: k
                    data_tests:
                      - relationships: {to: ref('dim'), field: k}
            """,
    })
    from warehouse.compile.load import load_project

    project = load_project(root)
    test_id = next(i for i in project.nodes if i.kind.value == "test")
    assert {p.name for p in project.parents[test_id]} == {"dim", "fct"}
    result, out = build(root)
    assert result.exit_code == 1 and "1 failing rows" in out
