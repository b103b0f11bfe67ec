"""A dbt project folder (dbt_project.yml + a DuckDB profile) builds with the engine."""

from __future__ import annotations

import duckdb
import pytest


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
        "dbt_project.yml": "name: shop\nquoting: {identifier: true}\nmodels:\n"
                           "  shop:\n    +sort: [x]\n",
        "models/a.sql": "select 1 as x",
    })
    res = cli(root, "build")
    assert res.code == 0, res.text
    assert "sort" in res.err and "dbt_project.yml" in res.err


BASE = {"dbt_project.yml": "name: shop\n", "models/a.sql": "select 1 as x\n"}
PROJECT_WITH = "name: shop\nmodels:\n  shop:\n    {}\n"

REJECTED = {
    "snapshot block in a model": ({"models/b.sql": "{% snapshot s %}select 1{% endsnapshot %}"},
                                  ["snapshot", "models/b.sql"]),
    "package macro": ({"models/b.sql": "select {{ dbt_utils.star(ref('a')) }} from {{ ref('a') }}"},
                      ["dbt_utils.star", "models/b.sql:1"]),
    "packages.yml": ({"packages.yml": "packages:\n  - package: dbt-labs/dbt_utils\n"
                      "    version: 1.1.1\n"}, ["dbt-labs/dbt_utils", "packages.yml"]),
    "snapshots in a property file without a strategy": (
        {"models/snap.yml": "snapshots:\n  - name: s\n    relation: ref('a')\n"},
        ["strategy", "models/snap.yml:3"]),
    "profile attach": ({"profiles.yml": "shop:\n  outputs:\n    dev:\n      type: duckdb\n"
                        "      attach: [{path: other.duckdb}]\n"},
                       ["attach", "profiles.yml"]),
    "non-duckdb profile": ({"profiles.yml": "shop:\n  outputs:\n    dev:\n      type: postgres\n"},
                           ["postgres", "profiles.yml"]),
    "generic test under tests/": ({"tests/generic/is_even.sql": (
        "{% test is_even(model, column_name) %}select 1{% endtest %}")},
        ["generic test", "tests/generic/is_even.sql"]),
    "other package configs": ({"dbt_project.yml": "name: shop\nmodels:\n  dbt_utils:\n"
                               "    +materialized: table\n"}, ["dbt_utils", "dbt_project.yml"]),
    "model versions": ({"models/a.yml": "models:\n  - name: a\n    latest_version: 2\n"
                        "    versions:\n      - v: 1\n      - v: 2\n"},
                       ["model versions", "models/a.yml:2"]),
    "materialization block": ({"macros/mat.sql": "{% materialization custom, default %}"
                               "{% endmaterialization %}"}, ["materialization", "macros/mat.sql"]),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_construct_outside_the_subset_is_named_with_its_file(make_project, cli, case,
                                                             monkeypatch):
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    files, expected = REJECTED[case]
    root = make_project({**BASE, **files})
    (root / "pyproject.toml").unlink()
    res = cli(root, "build")
    assert res.code == 2, res.text
    assert "Traceback" not in res.err
    for text in expected:
        assert text in res.err, (case, res.err)
    assert not (root / "warehouse.duckdb").exists()


# What one node asks for and the engine cannot do fails that node, named at its line; the
# other nodes still build (dbt would build them too), and nothing is published.
REFUSED_PER_NODE = {
    "snapshot materialization": ({"models/b.sql": "{{ config(materialized='snapshot') }}\n"
                                  "select 1 as x"}, ["snapshot", "models/b.sql"]),
    "unknown model materialization": ({"models/b.sql": "{{ config(materialized='cube') }}\n"
                                       "select 1 as x"}, ["cube", "models/b.sql"]),
    "python model": ({"models/py_model.py": "def model(dbt, session):\n    return None\n"},
                     ["python", "models/py_model.py"]),
    "incremental predicates": ({"models/b.sql": "{{ config(materialized='incremental', "
                                "incremental_predicates=['x > 1']) }}select 1 as x"},
                               ["incremental_predicates", "models/b.sql"]),
}


@pytest.mark.parametrize("case", sorted(REFUSED_PER_NODE))
def test_a_node_outside_the_subset_fails_alone(make_project, cli, case, monkeypatch):
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    files, expected = REFUSED_PER_NODE[case]
    root = make_project({**BASE, **files})
    (root / "pyproject.toml").unlink()
    res = cli(root, "build")
    assert res.code == 1, res.text
    assert "Traceback" not in res.err
    for text in expected:
        assert text in res.text, (case, res.text)
    assert "OK    view main.a" in res.out
    assert "OK=1 ERROR=1" in res.out
    assert not (root / "warehouse.duckdb").exists()


def test_constructs_that_build_nothing_are_ignored_with_a_note(make_project, cli, monkeypatch):
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    root = make_project({
        **BASE,
        "dbt_project.yml": "name: shop\nclean-targets: [target]\nquery-comment: built\n",
        "models/props.yml": """
            version: 2
            exposures:
              - name: dash
                type: dashboard
                owner: {name: me}
            metrics: []
            semantic_models:
              - name: a_sm
                model: ref('a')
            """,
        "analyses/explore.sql": "select * from {{ ref('a') }}",
    })
    (root / "pyproject.toml").unlink()
    res = cli(root, "build")
    assert res.code == 0, res.text
    assert "exposures" in res.err and "semantic_models" in res.err and "analyses" in res.err


def test_a_note_is_printed_once_per_build_with_or_without_the_parse_cache(
        make_project, cli, monkeypatch):
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    root = make_project({**BASE, "analyses/explore.sql": "select * from {{ ref('a') }}"})
    (root / "pyproject.toml").unlink()
    for attempt in ("cache miss", "cache hit"):
        res = cli(root, "build")
        assert res.code == 0, res.text
        notes = [line for line in res.err.splitlines() if "analyses" in line]
        assert len(notes) == 1, (attempt, res.err)


@pytest.mark.parametrize("extra", ["database: other", "meta:\n        plugin: excel"])
def test_source_read_from_elsewhere_is_refused_at_its_line(make_project, cli, extra):
    root = make_project({**BASE, "models/src.yml": (
        "sources:\n  - name: crm\n    tables:\n    - name: people\n      " + extra + "\n")})
    (root / "pyproject.toml").unlink()
    res = cli(root, "build")
    assert res.code == 2, res.text
    assert "models/src.yml:4" in res.err and extra.split(":")[0].strip() in res.err
