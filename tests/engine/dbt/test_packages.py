"""dbt packages: macros by namespace, generic tests, models and seeds, dispatch order.

Two small packages written for these tests: `mypkg`, already installed in
dbt_packages/ as `dbt deps` leaves a hub package, and `shim`, a `local:`
package beside the project, installed by `warehouse deps`. What they do
follows dbt's documented behaviour: a package's macros are reached as
`mypkg.name`; `adapter.dispatch('x', 'mypkg')` searches the root project then
mypkg (or the root's `dispatch:` search order) for `duckdb__x` then
`default__x`; a package's models and seeds build with its own configs under
the root project's; a package test fails on the rows its query returns.
"""

from __future__ import annotations

import duckdb
import pytest

MYPKG = {
    "dbt_packages/mypkg/dbt_project.yml": """
        name: mypkg
        version: '1.0.0'
        config-version: 2
        vars:
          mypkg_factor: 3
        models:
          mypkg:
            +materialized: table
            +schema: pkg
        seeds:
          mypkg:
            +schema: pkg
        """,
    # A star(): every column of a relation but the excluded ones, read from the database
    # at run time (at load there is none, and dbt_utils' star gives `*` as this one does).
    "dbt_packages/mypkg/macros/star.sql": """
        {% macro star(from, except=[]) -%}
          {{ return(adapter.dispatch('star', 'mypkg')(from, except)) }}
        {%- endmacro %}

        {% macro default__star(from, except) -%}
          {%- if not execute -%}*{%- else -%}
          {%- for col in adapter.get_columns_in_relation(from)
                if col.name | lower not in except | map('lower') | list -%}
            {{ adapter.quote(col.name) }}{{ ", " if not loop.last }}
          {%- endfor -%}
          {%- endif -%}
        {%- endmacro %}
        """,
    "dbt_packages/mypkg/macros/cents.sql": """
        {% macro cents(column) -%}
          {{ return(adapter.dispatch('cents', 'mypkg')(column)) }}
        {%- endmacro %}

        {% macro default__cents(column) -%}
          ({{ column }} / 100)
        {%- endmacro %}

        {% macro scaled(column) -%}
          {{ column }} * {{ var('mypkg_factor') }}
        {%- endmacro %}
        """,
    "dbt_packages/mypkg/macros/accepted_range.sql": """
        {% test accepted_range(model, column_name, min_value=none, max_value=none) %}
          {{ return(adapter.dispatch('test_accepted_range', 'mypkg')(
                 model, column_name, min_value, max_value)) }}
        {% endtest %}

        {% macro default__test_accepted_range(model, column_name, min_value, max_value) %}
        select {{ '*' if should_store_failures() else column_name }}
        from {{ model }}
        where 1 = 2
          {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
          {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
        {% endmacro %}
        """,
    # Tests that set their own config, as dbt_utils' equality sets fail_calc.
    "dbt_packages/mypkg/macros/config_tests.sql": """
        {% test soft_max(model, column_name, max_value) %}
          {{ config(severity='warn') }}
          select * from {{ model }} where {{ column_name }} > {{ max_value }}
        {% endtest %}

        {% test summed(model, column_name) %}
          {{ config(fail_calc='sum(' ~ column_name ~ ')') }}
          select {{ column_name }} from {{ model }}
        {% endtest %}
        """,
    # dbt_utils' ways: a private helper called by its package name, a relation told from
    # a string by `is mapping`, a name set in one branch only (printed empty, false).
    "dbt_packages/mypkg/macros/helpers.sql": """
        {% macro _is_relation(obj) %}
          {%- if not (obj is mapping and obj.get('metadata', {}).get('type', '')
                      .endswith('Relation')) -%}
            {%- do exceptions.raise_compiler_error("not a relation: " ~ obj) -%}
          {%- endif -%}
        {% endmacro %}

        {% macro from_relation(rel, label=none) -%}
          {%- do mypkg._is_relation(rel) -%}
          {%- if label %}{% set suffix = '_' ~ label %}{% endif -%}
          select 'x{{ suffix }}' as tag, '{{ rel.render() }}' as rel from {{ rel }}
        {%- endmacro %}
        """,
    # A test written as dbt_utils' equality: nothing at load (`execute` false), the
    # columns read from the database when it runs, failures counted by its fail_calc.
    "dbt_packages/mypkg/macros/same_rows.sql": """
        {% test same_rows(model, compare_model) %}
        {{ config(fail_calc='sum(coalesce(diff, 0))') }}
        {%- if not execute -%}{{ return('') }}{%- endif -%}
        {%- set cols = adapter.get_columns_in_relation(model) | map(attribute='name')
                       | join(', ') -%}
        select count(*) as diff from (
          (select {{ cols }} from {{ model }} except select {{ cols }} from {{ compare_model }})
          union all
          (select {{ cols }} from {{ compare_model }} except select {{ cols }} from {{ model }})
        ) as d
        {% endtest %}
        """,
    "dbt_packages/mypkg/seeds/pkg_codes.csv": "code,label\n1,one\n2,two\n",
    "dbt_packages/mypkg/models/pkg_scaled.sql": """
        select code, {{ scaled('code') }} as scaled,
               '{{ model.package_name }}.{{ model.name }}' as who
        from {{ ref('pkg_codes') }}
        """,
}

ROOT = {
    "dbt_project.yml": """
        name: shop
        profile: shop
        """,
    "profiles.yml": """
        shop:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: shop.duckdb
        """,
    "seeds/payments.csv": "id,amount_cents,discount_cents\n1,1050,0\n2,320,20\n3,99,5\n",
    "models/payments_wide.sql": """
        select {{ mypkg.star(ref('payments'), except=['discount_cents']) }},
               {{ mypkg.cents('amount_cents') }} as amount
        from {{ ref('payments') }}
        """,
    "models/from_package.sql": "select code, scaled from {{ ref('pkg_scaled') }}",
}


def _project(make_project, monkeypatch, extra=None):
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    root = make_project({**ROOT, **MYPKG, **(extra or {})})
    (root / "pyproject.toml").unlink()
    return root


def _rows(root, sql):
    con = duckdb.connect(str(root / "shop.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _columns(root, relation):
    schema, name = relation.split(".")
    return [c for (c,) in _rows(root, "select column_name from information_schema.columns "
                                f"where table_schema = '{schema}' and table_name = '{name}' "
                                "order by ordinal_position")]


def test_package_macros_models_and_seeds_build(make_project, cli, monkeypatch):
    root = _project(make_project, monkeypatch)
    res = cli(root, "build")
    assert res.code == 0, res.text
    # mypkg.star read the seed's columns at run time and left out the excluded one.
    assert _columns(root, "main.payments_wide") == ["id", "amount_cents", "amount"]
    assert _rows(root, "select id, amount from main.payments_wide order by id") == [
        (1, 10.5), (2, 3.2), (3, 0.99)]
    # The package's seed and model build in the schema its own dbt_project.yml gives them,
    # with its own var; a bare macro name in a package model finds the package's macro.
    assert _rows(root, "select code, scaled from main_pkg.pkg_scaled order by code") == [
        (1, 3), (2, 6)]
    assert _rows(root, "select table_type from information_schema.tables "
                       "where table_schema = 'main_pkg' and table_name = 'pkg_scaled'") == [
        ("BASE TABLE",)]
    assert _rows(root, "select count(*) from main.from_package") == [(2,)]
    assert _rows(root, "select distinct who from main_pkg.pkg_scaled") == [("mypkg.pkg_scaled",)]


def test_should_full_refresh_follows_the_config_then_the_flag(make_project, cli, monkeypatch):
    root = _project(make_project, monkeypatch, {
        "models/refresh.sql": "select {{ should_full_refresh() }} as fr",
        "models/never.sql": ("{{ config(full_refresh=false) }}"
                             "select {{ should_full_refresh() }} as fr"),
    })
    for args, expected in (((), False), (("--full-refresh",), True)):
        res = cli(root, "build", *args)
        assert res.code == 0, res.text
        assert _rows(root, "select fr from main.refresh") == [(expected,)], args
        assert _rows(root, "select fr from main.never") == [(False,)], args


def test_root_project_configs_and_vars_override_the_package(make_project, cli, monkeypatch):
    root = _project(make_project, monkeypatch, {"dbt_project.yml": """
        name: shop
        profile: shop
        vars:
          mypkg:
            mypkg_factor: 10
        models:
          mypkg:
            +materialized: view
        """})
    res = cli(root, "build")
    assert res.code == 0, res.text
    assert _rows(root, "select scaled from main_pkg.pkg_scaled order by code") == [(10,), (20,)]
    assert _rows(root, "select table_type from information_schema.tables "
                       "where table_name = 'pkg_scaled'") == [("VIEW",)]


RANGE_TEST = """
    version: 2
    models:
      - name: payments_wide
        columns:
          - name: amount_cents
            data_tests:
              - mypkg.accepted_range:
                  min_value: 0
                  max_value: {max_value}
    """


@pytest.mark.parametrize(("max_value", "failing"), [(2000, 0), (1000, 1), (100, 2)])
def test_package_generic_test_with_arguments(make_project, cli, monkeypatch, max_value,
                                             failing):
    root = _project(make_project, monkeypatch, {
        "models/props.yml": RANGE_TEST.format(max_value=max_value)})
    res = cli(root, "build")
    assert res.code == (1 if failing else 0), res.text
    name = "mypkg_accepted_range_payments_wide_amount_cents"
    if failing:
        assert f"FAIL {failing} {name}" in res.out, res.out
        assert "models/props.yml:7" in res.out
    else:
        assert f"PASS  test {name}" in res.out, res.out


def test_package_test_selects_every_column_when_failures_are_stored(make_project, cli,
                                                                    monkeypatch):
    """should_store_failures() is the test's store_failures config, as in dbt: the stored
    failing rows have every column of the model, else only the tested one is selected."""
    root = _project(make_project, monkeypatch, {"models/props.yml": """
        models:
          - name: payments_wide
            columns:
              - name: amount_cents
                data_tests:
                  - mypkg.accepted_range:
                      max_value: 100
                      config:
                        store_failures: true
                        severity: warn
        """})
    res = cli(root, "build")
    assert res.code == 0, res.text
    stored = _rows(root, "select table_schema, table_name from information_schema.tables "
                         "where table_name like 'mypkg_accepted_range%'")
    assert len(stored) == 1, stored
    relation = ".".join(stored[0])
    assert _columns(root, relation) == ["id", "amount_cents", "amount"]
    assert _rows(root, f"select id from {relation} order by id") == [(1,), (2,)]


def test_config_set_by_a_package_test_applies_to_the_test(make_project, cli, monkeypatch):
    root = _project(make_project, monkeypatch, {"models/props.yml": """
        models:
          - name: payments_wide
            columns:
              - name: amount_cents
                data_tests:
                  - mypkg.soft_max:
                      max_value: 100
        """})
    res = cli(root, "build")
    assert res.code == 0, res.text  # severity warn, set by the test's own config()
    assert "WARN 2 mypkg_soft_max_payments_wide_amount_cents" in res.out, res.out


def test_fail_calc_set_by_a_package_test_counts_its_failures(make_project, cli, monkeypatch):
    """dbt_utils' equal_rowcount sets fail_calc to a sum: the test fails by that sum."""
    root = _project(make_project, monkeypatch, {"models/props.yml": """
        models:
          - name: payments_wide
            columns:
              - name: amount_cents
                data_tests:
                  - mypkg.summed:
                      config:
                        warn_if: ">1000"
                        error_if: ">2000"
        """})
    res = cli(root, "build")
    assert res.code == 0, res.text  # 1050 + 320 + 99 = 1469: over warn_if, under error_if
    assert "WARN 1469 mypkg_summed_payments_wide_amount_cents" in res.out, res.out


def test_package_macros_written_for_dbt_jinja(make_project, cli, monkeypatch):
    root = _project(make_project, monkeypatch, {
        "models/tagged.sql": "{{ mypkg.from_relation(ref('payments')) }}",
        "models/labelled.sql": "{{ mypkg.from_relation(ref('payments'), label='b') }}",
        "models/strict.sql": "select 1 as x\n{% if undefined_flag %}, 2 as y{% endif %}",
    })
    res = cli(root, "build")
    assert "models/strict.sql:2" in res.text and "undefined_flag" in res.text, res.text
    (root / "models" / "strict.sql").unlink()
    res = cli(root, "build")
    assert res.code == 0, res.text
    assert set(_rows(root, "select tag, rel from main.tagged")) == {("x", '"main"."payments"')}
    assert set(_rows(root, "select tag from main.labelled")) == {("x_b",)}


def test_a_string_where_a_package_wants_a_relation_is_its_error(make_project, cli,
                                                                 monkeypatch):
    root = _project(make_project, monkeypatch, {
        "models/wrong.sql": "{{ mypkg.from_relation('main.payments') }}"})
    res = cli(root, "build")
    assert res.code != 0
    assert "not a relation: main.payments" in res.text, res.text


def test_package_test_rendered_when_it_runs(make_project, cli, monkeypatch):
    root = _project(make_project, monkeypatch, {
        "models/payments_copy.sql": "select * from {{ ref('payments') }}",
        "models/payments_less.sql": "select * from {{ ref('payments') }} where id < 3",
        "seeds/props.yml": """
            seeds:
              - name: payments
                data_tests:
                  - mypkg.same_rows:
                      compare_model: ref('payments_copy')
                  - mypkg.same_rows:
                      name: against_fewer
                      compare_model: ref('payments_less')
            """})
    res = cli(root, "build")
    assert res.code == 1, res.text
    assert "PASS  test mypkg_same_rows_payments_ref_payments_copy_" in res.out, res.out
    assert "FAIL 1 against_fewer" in res.out, res.out


DISPATCH_OVERRIDES = {
    "macros/cents.sql": "{% macro default__cents(column) %}({{ column }} / 1000){% endmacro %}",
    "dbt_packages/shim/dbt_project.yml": "name: shim\n",
    "dbt_packages/shim/macros/cents.sql": """
        {% macro default__cents(column) %}({{ column }} / 10){% endmacro %}
        {% macro duckdb__cents(column) %}({{ column }} / 100000){% endmacro %}
        """,
}


@pytest.mark.parametrize(("dispatch", "amount"), [
    ("", 1.05),  # the root project, searched before mypkg, overrides default__cents
    ("dispatch:\n  - macro_namespace: mypkg\n    search_order: [shim, mypkg]\n",
     0.0105),  # shim first, and its duckdb__ before its default__; the root is not searched
    ("dispatch:\n  - macro_namespace: mypkg\n    search_order: [mypkg]\n", 10.5),
])
def test_dispatch_search_order(make_project, cli, monkeypatch, dispatch, amount):
    root = _project(make_project, monkeypatch, {
        **DISPATCH_OVERRIDES, "dbt_project.yml": "name: shop\nprofile: shop\n" + dispatch})
    res = cli(root, "build")
    assert res.code == 0, res.text
    assert _rows(root, "select amount from main.payments_wide where id = 1") == [(amount,)]


def test_unknown_package_macro_is_named_at_its_line(make_project, cli, monkeypatch):
    root = _project(make_project, monkeypatch, {
        "models/typo.sql": "select 1 as x,\n  {{ mypkg.strar(ref('payments')) }} as y\n"})
    res = cli(root, "build")
    assert res.code != 0
    assert "Traceback" not in res.err
    assert "models/typo.sql:2" in res.text and "mypkg.star" in res.text, res.text


def test_bare_name_of_a_package_macro_from_the_root_is_refused(make_project, cli, monkeypatch):
    """dbt looks a bare name up in the node's own project only: `cents(...)` in a root
    model is not mypkg's; the error says to write mypkg.cents."""
    root = _project(make_project, monkeypatch, {
        "models/bare.sql": "select\n  {{ cents('amount_cents') }} as a from {{ ref('payments') }}"})
    res = cli(root, "build")
    assert res.code != 0
    assert "models/bare.sql:2" in res.text and "mypkg.cents" in res.text, res.text
