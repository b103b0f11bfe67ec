"""Each user error names the file, line and column, and shows the offending source."""

from __future__ import annotations

import pytest

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError


def load_error(make_project, files) -> ProjectError:
    root = make_project(files)
    with pytest.raises(ProjectError) as info:
        load_project(root)
    return info.value


def test_undefined_name_reports_file_and_line(make_project):
    err = load_error(make_project, {"models/a.sql": """
        select 1 as x
        -- a comment
        , {{ not_a_thing }} as y
        """})
    assert err.path == "models/a.sql"
    assert err.line == 3
    assert "not_a_thing" in str(err)
    assert "{{ not_a_thing }}" in err.snippet


def test_undefined_name_inside_macro_points_at_macro_file(make_project):
    err = load_error(make_project, {
        "macros/m.sql": "{% macro twice(x) %}\n{{ x }} * {{ missing_factor }}\n{% endmacro %}\n",
        "models/a.sql": "select {{ twice(3) }} as y\n",
    })
    assert (err.path, err.line) == ("macros/m.sql", 2)


def test_syntax_error_maps_back_through_jinja_lines(make_project):
    err = load_error(make_project, {
        "models/base.sql": "select 1 as id\n",
        "models/a.sql": """
            {{ config(
                materialized='table'
            ) }}
            {% set cols = ['id'] %}
            select
              {% for c in cols %}{{ c }}{% endfor %},
              id * ) 2 as doubled
            from {{ ref('base') }}
            """,
    })
    # (`id * / 2` was the example until DuckDB 2.0.1 parsed a unary '/' and left it
    # to the binder.)
    assert err.path == "models/a.sql"
    assert err.line == 7
    assert err.column == 8, "DuckDB's parser points at the ')'"
    assert "id * ) 2" in err.snippet
    assert "^" in err.snippet


def test_missing_ref_names_the_model_that_asked(make_project):
    err = load_error(make_project, {
        "models/orders.sql": "select 1 as id\n",
        "models/report.sql": "select *\nfrom {{ ref('order') }}\n",
    })
    assert err.path == "models/report.sql"
    assert err.line == 2
    assert "'order'" in err.message
    assert "orders" in (err.hint or "")


def test_cycle_prints_the_cycle(make_project):
    root = make_project({
        "models/a.sql": "select * from {{ ref('c') }}",
        "models/b.sql": "select * from {{ ref('a') }}",
        "models/c.sql": "select * from {{ ref('b') }}",
    })
    with pytest.raises(ProjectError) as info:
        load_project(root)
    text = str(info.value)
    for name in ("model.a", "model.b", "model.c"):
        assert name in text
    assert "->" in text


def test_table_read_without_ref_is_reported(make_project):
    err = load_error(make_project, {
        "models/a.sql": "select 1 as id\n",
        "models/b.sql": "with x as (select * from {{ ref('a') }})\nselect * from x\n"
                        "join raw_orders using (id)\n",
    })
    assert err.path == "models/b.sql"
    assert err.line == 3
    assert "raw_orders" in err.message


def test_undeclared_source_and_undefined_var(make_project):
    err = load_error(make_project, {"models/a.sql": "select * from {{ source('crm', 'x') }}"})
    assert "crm" in err.message and err.path == "models/a.sql"
    err = load_error(make_project, {"models/a.sql": "select 1 as a,\n{{ var('cutoff') }} as c"})
    assert "cutoff" in err.message and err.line == 2


def test_invalid_materialization_and_unsupported_construct(make_project, cli):
    root = make_project({"models/a.sql": "{{ config(materialized='snapshotty') }}select 1"})
    res = cli(root, "build")
    assert res.code == 1 and "models/a.sql:1" in res.out and "snapshotty" in res.out, res.text
    err = load_error(make_project, {
        "macros/m.sql": "{% materialization custom, default %}{% endmaterialization %}",
        "models/a.sql": "select 1 as x"})
    assert err.path == "macros/m.sql" and "materialization" in err.message


def test_bad_yaml_reports_line(make_project):
    err = load_error(make_project, {
        "models/a.sql": "select 1 as x",
        "models/schema.yml": "models:\n  - name: a\n    columns: [\n",
    })
    assert err.path == "models/schema.yml"
    assert err.line is not None


def test_sql_duckdb_accepts_but_sqlglot_does_not_still_builds(make_project):
    root = make_project({
        "models/a.sql": "select 1 as a",
        "models/b.sql": "with values as (select * from {{ ref('a') }})\nselect a from values\n",
    })
    project = load_project(root)
    b = next(n for n in project.nodes.values() if n.name == "b")
    assert b.sql_columns == ("a",)


def test_table_read_is_still_checked_when_only_duckdb_parses(make_project):
    err = load_error(make_project, {
        "models/a.sql": "select 1 as a",
        "models/b.sql": "with values as (select * from {{ ref('a') }})\n"
                        "select a from values\njoin stray_table using (a)\n",
    })
    assert "stray_table" in err.message
    assert (err.path, err.line) == ("models/b.sql", 3)
