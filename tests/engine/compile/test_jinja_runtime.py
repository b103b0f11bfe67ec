"""dbt's run-time Jinja: `execute`, `run_query`, `statement`/`load_result`, the adapter's catalog
methods. A model whose SQL is built from the database is rendered at load with `execute`
false (as dbt parses) and again when it runs, against its built parents: its SQL follows
the data, and is never the stale SQL of an earlier build."""

from __future__ import annotations

import pytest
from dbt_fixture import dbt_project, failed_build, ok_build, query, write

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError

# One column per region, the regions read from the seed when the model runs.
PIVOT = """
{% set found = run_query("select distinct region from " ~ ref('sales') ~ " order by 1") %}
{% set regions = found.columns[0].values() if execute else [] %}
select
{%- for region in regions %}
    sum(case when region = '{{ region }}' then amount else 0 end) as {{ region }}_amount,
{%- endfor %}
    count(*) as n
from {{ ref('sales') }}
"""


def columns(root, relation):
    return [name for name, in query(
        root, "select column_name from information_schema.columns "
        f"where table_name = '{relation}' order by ordinal_position")]


def test_run_query_builds_sql_from_a_seed_and_follows_its_changes(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,10\nsouth,7\nnorth,3\n",
        "models/pivot.sql": PIVOT,
    })
    ok_build(root)
    assert columns(root, "pivot") == ["north_amount", "south_amount", "n"]
    assert query(root, "select * from main.pivot") == [(13, 7, 3)]

    write(root, "seeds/sales.csv", "region,amount\nnorth,10\neast,4\n")
    ok_build(root)
    assert columns(root, "pivot") == ["east_amount", "north_amount", "n"]
    assert query(root, "select * from main.pivot") == [(4, 10, 2)]


def test_a_model_that_runs_queries_is_rebuilt_even_when_nothing_upstream_changed(tmp_path):
    """Its SQL may differ on the same inputs (it may read anything): never skipped."""
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,10\n",
        "models/pivot.sql": PIVOT,
    })
    ok_build(root)
    second = ok_build(root)
    assert second["pivot"] == "success"
    assert second["sales"] == "unchanged"


def test_execute_is_false_at_load_and_true_when_the_model_runs(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/phase.sql": """
            {% set answer = run_query('select 41 + 1 as a') %}
            select '{{ 'run' if execute else 'load' }}' as phase,
                   {{ answer.rows[0]['a'] if answer is not none else 'null' }} as answer
            """,
    })
    project = load_project(root)
    model = next(n for n in project.nodes.values() if n.name == "phase")
    assert "'load' as phase" in model.compiled_sql  # run_query gave None at load
    assert "null as answer" in model.compiled_sql
    ok_build(root)
    assert query(root, "select * from main.phase") == [("run", 42)]


def test_statement_and_load_result(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,10\nsouth,7\nnorth,3\n",
        "models/top_region.sql": """
            -- depends_on: {{ ref('sales') }}
            {% call statement('top', fetch_result=True) %}
              select region, sum(amount) as total from {{ ref('sales') }}
              group by region order by total desc limit 1
            {% endcall %}
            {% set top = load_result('top') %}
            {% if execute %}
            select '{{ top['data'][0][0] }}' as region,
                   {{ top['table'].rows[0]['total'] }} as total,
                   {{ top['response'].rows_affected }} as fetched
            {% else %}
            select null as region, null as total, null as fetched
            {% endif %}
            """,
    })
    ok_build(root)
    assert query(root, "select * from main.top_region") == [("north", 13, 1)]


def test_a_ref_seen_only_at_run_time_is_refused_at_its_line(tmp_path):
    """Inside a statement block (rendered only at run time) the load cannot see ref(): the
    model is not ordered after the seed, and would read it before it is built. As dbt,
    refused, with the fix; never run against a missing or stale seed."""
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,10\n",
        "models/top_region.sql": """
            {% call statement('top', fetch_result=True) %}
              select max(amount) from {{ ref('sales') }}
            {% endcall %}
            select 1 as x
            """,
    })
    result, out = failed_build(root)
    assert "models/top_region.sql:2" in out
    assert "ref('sales') is called only at run time" in out
    assert "-- depends_on: {{ ref('sales') }}" in out


def test_a_failing_run_query_is_reported_at_its_line_with_the_sql(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/broken.sql": "select 1 as x\n{% do run_query('select * from no_such_table') %}\n",
    })
    result, out = failed_build(root)
    assert "models/broken.sql:2" in out
    assert "run_query failed" in out and "no_such_table" in out


def test_adapter_catalog_methods_follow_the_parent_columns(tmp_path):
    """A model that selects its parent's columns by name (a `star`): its SQL is rendered at
    run time from the parent as built, so a new seed column reaches it."""
    root = dbt_project(tmp_path / "p", {
        "seeds/people.csv": "id,name\n1,Ann\n",
        "models/copy.sql": """
            {% set rel = adapter.get_relation(database=none, schema=ref('people').schema,
                                              identifier=ref('people').identifier) %}
            {% set cols = adapter.get_columns_in_relation(ref('people')) %}
            select {% for c in cols %}{{ c.quoted }} as copy_{{ c.name }},{% endfor %}
                   '{{ rel.type if rel is not none else 'missing' }}' as parent_kind,
                   {{ cols | length }} as n_columns
            from {{ ref('people') }}
            """,
    })
    ok_build(root)
    assert query(root, "select * from main.copy") == [(1, "Ann", "table", 2)]

    write(root, "seeds/people.csv", "id,name,city\n1,Ann,Oslo\n")
    ok_build(root)
    assert query(root, "select * from main.copy") == [(1, "Ann", "Oslo", "table", 3)]


def test_columns_only_model_is_skipped_when_its_parents_are_unchanged(tmp_path):
    """Reading the catalog of its own parents ties its SQL to them alone."""
    root = dbt_project(tmp_path / "p", {
        "seeds/people.csv": "id,name\n1,Ann\n",
        "models/copy.sql": """
            {% set cols = adapter.get_columns_in_relation(ref('people')) %}
            select {{ cols | map(attribute='name') | join(', ') if cols else '*' }}
            from {{ ref('people') }}
            """,
    })
    ok_build(root)
    assert ok_build(root)["copy"] == "unchanged"


def test_adapter_schema_methods_and_create_view_as(tmp_path):
    """dbt's adapter test: a model drops its parent's schema, finds the parent gone,
    recreates the schema and the parent (through create_view_as and run_query). DuckDB
    refuses to drop `main`, so the parent lives in a schema of its own."""
    root = dbt_project(tmp_path / "p", {
        "models/upstream.sql": "{{ config(schema='work') }} select 1 as id",
        "models/model.sql": """
            {% set upstream = ref('upstream') %}
            {% if execute %}
              {% do adapter.drop_schema(upstream) %}
              {% if adapter.get_relation(upstream.database, upstream.schema,
                                         upstream.identifier) is not none %}
                {% do exceptions.raise_compiler_error('still there') %}
              {% endif %}
              {% do adapter.create_schema(upstream) %}
              {% do run_query(create_view_as(upstream, 'select 2 as id')) %}
            {% endif %}
            select * from {{ upstream }}
            """,
    })
    ok_build(root)
    assert query(root, "select * from main.model") == [(2,)]
    assert query(root, "select * from main_work.upstream") == [(2,)]


def test_raise_compiler_error_at_load_names_its_line(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/guarded.sql": """
            select 1 as x
            {% if var('region', none) is none %}
              {{ exceptions.raise_compiler_error('set the var region') }}
            {% endif %}
            """,
    })
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    assert caught.value.path == "models/guarded.sql"
    assert caught.value.line == 3
    assert "set the var region" in str(caught.value)
    load_project(root, vars={"region": "north"})  # given the var, it loads


def test_raise_compiler_error_at_run_time_fails_the_model_at_its_line(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,-1\n",
        "models/checked.sql": """
            {% if execute %}
              {% set low = run_query('select min(amount) from ' ~ ref('sales')).rows[0][0] %}
              {% if low < 0 %}
                {{ exceptions.raise_compiler_error('negative amount: ' ~ low) }}
              {% endif %}
            {% endif %}
            select * from {{ ref('sales') }}
            """,
    })
    result, out = failed_build(root)
    statuses = {r.node_id.name: r.status for r in result.results}
    assert statuses["checked"] == "error"
    assert "models/checked.sql:4" in out and "negative amount: -1" in out


def test_warn_and_log_write_to_stderr_and_render_nothing(tmp_path, capfd):
    root = dbt_project(tmp_path / "p", {
        "models/chatty.sql": """
            {{ log('visible message', info=True) }}{{ log('debug only') }}
            {%- do exceptions.warn('careful now') -%}
            select 1 as x
            """,
    })
    ok_build(root)
    err = capfd.readouterr().err
    assert "visible message" in err and "careful now" in err
    assert "debug only" not in err
    assert query(root, "select * from main.chatty") == [(1,)]


def test_a_singular_test_that_reads_the_catalog_is_rendered_when_it_runs(tmp_path):
    """dbt's adapter test: at load the model has no columns (the test would return a row);
    when the test runs, the model is built and the test passes. A change that removes
    the column makes it fail: the SQL that ran is the run's, never the load's."""
    test_sql = """
        {% set columns = adapter.get_columns_in_relation(ref('m')) %}
        select 1 as id from {{ ref('m') }}
        where {{ 'false' if 'x' in columns | map(attribute='name') else 'true' }}
        """
    root = dbt_project(tmp_path / "p", {
        "models/m.sql": "select 1 as x",
        "tests/m_has_x.sql": test_sql,
    })
    project = load_project(root)
    test = next(n for n in project.nodes.values() if n.name == "m_has_x")
    assert "where true" in test.sql  # the load's render: no database, no columns
    assert ok_build(root)["m_has_x"] == "pass"

    write(root, "models/m.sql", "select 1 as y")
    result, out = failed_build(root)
    assert {r.node_id.name: r.status for r in result.results}["m_has_x"] == "fail"


def test_a_singular_test_that_runs_a_query_fails_at_its_line(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/m.sql": "select 1 as x",
        "tests/t.sql": """
            -- depends_on: {{ ref('m') }}
            {% if execute %}
              {% set n = run_query('select count(*) from ' ~ ref('m')).rows[0][0] %}
              {% if n < 2 %}{{ exceptions.raise_compiler_error('too few rows: ' ~ n) }}{% endif %}
            {% endif %}
            select * from {{ ref('m') }} where false
            """,
    })
    result, out = failed_build(root)
    assert {r.node_id.name: r.status for r in result.results}["t"] == "error"
    assert "tests/t.sql:4" in out and "too few rows: 1" in out


def test_compile_marks_sql_that_is_rendered_again_when_it_runs(tmp_path, cli):
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,10\n",
        "models/pivot.sql": PIVOT,
        "models/plain.sql": "select 1 as x",
    })
    res = cli(root, "compile")
    assert res.code == 0, res.text
    compiled = root / "target" / "compiled" / "models"
    assert (compiled / "pivot.sql").read_text().startswith("-- rendered without a database")
    assert (compiled / "plain.sql").read_text().startswith("select 1")
