"""Property files are read strictly: a key written twice, a key dbt would not accept there,
and a YAML syntax error are each an error at their line and column, with the line shown.

The defect these guard against: `colums:` for `columns:`, or a second `columns:` under one
model, was accepted without a word, the tests under it were lost and the build published.
"""

from __future__ import annotations

import pytest

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeKind

MODEL = {"models/orders.sql": "select 1 as id, 'open' as status\n"}


def project(make_project, files, *, dbt=False, monkeypatch=None):
    root = make_project({**MODEL, **files})
    if dbt:
        (root / "pyproject.toml").unlink()
        if monkeypatch is not None:
            monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    return root


def load_error(make_project, files, **kw) -> ProjectError:
    root = project(make_project, files, **kw)
    with pytest.raises(ProjectError) as info:
        load_project(root)
    return info.value


def assert_at(err: ProjectError, path: str, line: int, column: int, text: str) -> None:
    """The error names the place, and its snippet shows the line with a caret under it."""
    assert (err.path, err.line, err.column) == (path, line, column), str(err)
    assert text in err.snippet, str(err)
    rows = err.snippet.splitlines()
    row = next(i for i, r in enumerate(rows) if r.startswith(f"{line:>5} | "))
    caret = rows[row + 1]
    assert caret.strip().startswith("^")
    assert caret.index("^") == len(f"{line:>5} | ") + column - 1


# ---------------------------------------------------------------------------
# Keys written twice
# ---------------------------------------------------------------------------

def test_a_second_columns_key_is_an_error_not_lost_tests(make_project):
    err = load_error(make_project, {"models/schema.yml": """
        version: 2
        models:
          - name: orders
            columns:
              - name: id
                data_tests: [unique, not_null]
            description: One row per order.
            columns:
              - name: status
                data_tests: [not_null]
        """})
    assert_at(err, "models/schema.yml", 8, 5, "    columns:")
    assert "'columns'" in err.message and "first at line 4" in err.message
    assert "    4 |     columns:" in err.snippet, "the first one is shown too"


@pytest.mark.parametrize("text, line, column, key", [
    # two names in one model's mapping: the first model's description went to the second
    ("models:\n  - name: orders\n    description: Orders.\n    name: customers\n", 4, 5, "name"),
    # `models:` twice at the top level: the first list of models was dropped
    ("models:\n  - name: orders\nseeds: []\nmodels:\n  - name: customers\n", 4, 1, "models"),
])
def test_a_model_name_or_models_list_written_twice_is_an_error(make_project, text, line,
                                                                column, key):
    err = load_error(make_project, {"models/schema.yml": text,
                                    "models/customers.sql": "select 1 as id\n"})
    assert_at(err, "models/schema.yml", line, column, f"{key}:")
    assert f"{key!r}" in err.message


@pytest.mark.parametrize("name", ["dbt_project.yml", "profiles.yml"])
def test_a_key_written_twice_in_dbt_project_or_profiles_is_an_error(make_project, monkeypatch,
                                                                     name):
    files = {
        "dbt_project.yml": "name: shop\nprofile: shop\n",
        "profiles.yml": ("shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                         "    prod:\n      type: duckdb\n"),
    }
    files[name] += "name: other\n" if name == "dbt_project.yml" else "  target: prod\n"
    err = load_error(make_project, files, dbt=True, monkeypatch=monkeypatch)
    assert err.path.endswith(name), str(err)
    first, column = (1, 1) if name == "dbt_project.yml" else (2, 3)
    assert (err.line, err.column) == (files[name].count("\n"), column), str(err)
    assert f"first at line {first}" in err.message


def test_tests_and_data_tests_on_one_column_is_an_error(make_project):
    err = load_error(make_project, {"models/schema.yml": """
        models:
          - name: orders
            columns:
              - name: id
                tests: [unique]
                data_tests: [not_null]
        """})
    assert_at(err, "models/schema.yml", 5, 9, "tests: [unique]")
    assert "'tests:' and 'data_tests:'" in err.message


# ---------------------------------------------------------------------------
# Keys dbt would not accept
# ---------------------------------------------------------------------------

def test_misspelt_columns_is_an_error_with_a_suggestion(make_project):
    err = load_error(make_project, {"models/schema.yml": """
        models:
          - name: orders
            colums:
              - name: id
                data_tests: [unique]
        """})
    assert_at(err, "models/schema.yml", 3, 5, "    colums:")
    assert "'colums'" in err.message and "orders" in err.message
    assert err.hint == "did you mean 'columns'?"


def test_unknown_key_in_a_column_is_an_error(make_project):
    err = load_error(make_project, {"models/schema.yml": """
        models:
          - name: orders
            columns:
              - name: id
                data_test: [unique, not_null]
        """})
    assert_at(err, "models/schema.yml", 5, 9, "data_test:")
    assert "column 'id' of model 'orders'" in err.message
    assert "'data_tests'" in err.hint


def test_unknown_key_in_a_source_table_is_an_error(make_project):
    err = load_error(make_project, {"models/sources.yml": """
        sources:
          - name: crm
            tables:
              - name: people
                identifer: raw_people
        """})
    assert_at(err, "models/sources.yml", 5, 9, "identifer:")
    assert "crm.people" in err.message and "'identifier'" in err.hint


def test_config_written_beside_config_is_an_error_that_says_so(make_project):
    err = load_error(make_project, {"models/schema.yml": """
        models:
          - name: orders
            materialized: table
        """})
    assert_at(err, "models/schema.yml", 3, 5, "materialized:")
    assert "under `config:`" in err.hint


def test_unknown_top_level_key_in_a_pyproject_project(make_project):
    err = load_error(make_project, {"models/schema.yml": "version: 2\nmodel:\n  - name: orders\n"})
    assert_at(err, "models/schema.yml", 2, 1, "model:")
    assert "'model'" in err.message and err.hint == "did you mean 'models'?"


def test_unknown_top_level_key_in_a_dbt_project(make_project, monkeypatch):
    err = load_error(make_project, {
        "dbt_project.yml": "name: shop\n",
        "models/schema.yml": "version: 2\nmodels:\n  - name: orders\nsoruces: []\n",
    }, dbt=True, monkeypatch=monkeypatch)
    assert_at(err, "models/schema.yml", 4, 1, "soruces:")
    assert err.hint == "did you mean 'sources'?"


@pytest.mark.parametrize("text, line, column, words", [
    ("functions:\n  - name: double_it\n", 1, 1, "functions"),
    ("data_tests:\n  - name: assert_positive\n    config:\n      severity: warn\n", 3, 5,
     "singular test 'assert_positive'"),
])
def test_top_level_constructs_the_engine_would_not_honour_are_refused(make_project, text,
                                                                      line, column, words):
    err = load_error(make_project, {"models/schema.yml": text})
    assert_at(err, "models/schema.yml", line, column, text.splitlines()[line - 1])
    assert words in err.message


def test_a_contract_beside_config_is_read_as_under_it(make_project, cli, monkeypatch):
    root = project(make_project, {
        "dbt_project.yml": "name: shop\n",
        "models/schema.yml": "models:\n  - name: orders\n    contract: {enforced: true}\n",
    }, dbt=True, monkeypatch=monkeypatch)
    res = cli(root, "build")
    assert res.code == 1, res.text
    assert "models/schema.yml:3:5: model 'orders' has an enforced contract" in res.out, res.out


# ---------------------------------------------------------------------------
# YAML syntax
# ---------------------------------------------------------------------------

def test_yaml_syntax_error_shows_line_column_caret_and_where_the_list_began(make_project):
    err = load_error(make_project, {"models/schema.yml": """
        models:
          - name: orders
            columns:
              - name: id
                data_tests: [unique, not_null
              - name: status
        """})
    assert (err.line, err.column) == (5, 21), str(err)  # the [ left open, not line 6
    assert "is not closed with ']'" in err.message and "fails at line 6" in err.message
    assert_at(err, "models/schema.yml", 5, 21, "data_tests: [unique, not_null")
    assert "- name: status" in err.snippet


# ---------------------------------------------------------------------------
# Everything dbt accepts still loads
# ---------------------------------------------------------------------------

EVERY_IGNORED_KEY = {
    "seeds/countries.csv": "code,name\nLA,Laos\n",
    "models/everything.yml": """
        version: 2
        anchors:
          - &described {description: Shared text., meta: {owner: data}}
        models:
          - name: orders
            description: One row per order.
            meta: {owner: sales, free: [form]}
            docs: {show: true, node_color: blue}
            group: finance
            access: public
            contract: {enforced: false}
            deprecation_date: 2030-01-01
            quote_columns: false
            constraints:
              - type: primary_key
                columns: [id]
            config: {materialized: table}
            data_tests:
              - unique: {column_name: id}
            columns:
              - name: id
                <<: *described
                data_type: integer
                quote: false
                tags: [key]
                docs: {show: false}
                constraints: [{type: not_null}]
                config: {meta: {pii: false}}
                granularity: day
                policy_tags: []
                tests: [not_null]
        seeds:
          - name: countries
            description: Countries.
            meta: {source: manual}
            docs: {show: true}
            quote_columns: true
            config: {column_types: {code: varchar}}
            columns:
              - name: code
                data_tests: [unique]
        sources:
          - name: crm
            description: The CRM.
            meta: {team: ops}
            tags: [raw]
            loader: fivetran
            schema: raw_crm
            quoting: {identifier: false}
            freshness: {warn_after: {count: 1, period: day}}
            loaded_at_field: synced_at
            config: {enabled: true}
            tables:
              - name: people
                identifier: raw_people
                description: People.
                meta: {pii: true}
                tags: [people]
                docs: {show: true}
                loader: fivetran
                quoting: {identifier: true}
                freshness: null
                loaded_at_query: select max(synced_at) from raw_crm.raw_people
                external: {location: 's3://bucket/people/'}
                columns:
                  - name: email
                    description: Address.
                    data_tests: [not_null]
        macros:
          - name: cents_to_dollars
            description: Converts.
            arguments:
              - {name: column, type: string, description: A column.}
        groups:
          - name: finance
            owner: {name: Finance}
        exposures:
          - name: dash
            type: dashboard
            owner: {name: me}
        unit_tests:
          - name: orders_ok
            model: orders
            given: []
            expect: {rows: []}
        data_tests:
          - name: assert_orders_positive
            description: Order amounts are positive.
        """,
}


@pytest.mark.parametrize("kind", ["dbt", "pyproject"])
def test_every_key_dbt_accepts_and_the_engine_ignores_loads(make_project, monkeypatch, capsys,
                                                           kind):
    files = dict(EVERY_IGNORED_KEY)
    if kind == "dbt":
        files["dbt_project.yml"] = "name: shop\n"
    root = project(make_project, files, dbt=kind == "dbt", monkeypatch=monkeypatch)
    loaded = load_project(root)
    tests = sorted(n.name for n in loaded.nodes if n.kind is NodeKind.TEST)
    assert tests == ["not_null_orders_id", "not_null_people_email", "unique_countries_code",
                     "unique_orders_id"]
    orders = next(n for i, n in loaded.nodes.items() if i.name == "orders")
    assert orders.config["group"] == "finance", "moved into config:, as dbt does"
    assert orders.config["meta"] == {"owner": "sales", "free": ["form"]}
    assert orders.columns[0].description == "Shared text."
    units = [n for i, n in loaded.nodes.items() if i.kind is NodeKind.UNIT_TEST]
    assert [(u.model, u.name) for u in units] == [("orders", "orders_ok")], "unit tests load"
    if kind == "dbt":
        err = capsys.readouterr().err
        assert "'exposures:' ignored" in err and "'unit_tests:'" not in err
