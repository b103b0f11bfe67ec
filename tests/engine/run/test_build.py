"""Building fixture projects end to end through the library API; tables compared by content."""

from __future__ import annotations

import pytest
from wh_helpers import build, rows

PYPROJECT = """
[tool.warehouse]
threads = 2

[tool.warehouse.vars]
factor = 10

[tool.warehouse.models.staging]
"+materialized" = "view"
"+schema" = "staging"

[tool.warehouse.models.marts]
"+materialized" = "table"
"+schema" = "marts"
"+tags" = ["nightly"]
"""


@pytest.fixture
def layered(make_project):
    return make_project({
        "pyproject.toml": PYPROJECT,
        "seeds/people.csv": "id,name,zip\n1,An,00123\n2,Binh,70000\n",
        "seeds/props.yml": """
            seeds:
              - name: people
                config:
                  column_types: {id: integer, name: varchar, zip: varchar}
            """,
        "macros/scale.sql": "{% macro scale(col) %}{{ col }} * {{ var('factor') }}{% endmacro %}",
        "models/staging/stg_people.sql": "select id, name, zip from {{ ref('people') }}",
        "models/staging/stg_scaled.sql": """
            {{ config(materialized='ephemeral') }}
            select id, {{ scale('id') }} as scaled from {{ ref('stg_people') }}
            """,
        "models/marts/dim_person.sql": """
            with base as (select * from {{ ref('stg_people') }})
            select b.id, b.name, b.zip, s.scaled, '{{ this.schema }}' as in_schema
            from base b join {{ ref('stg_scaled') }} s using (id)
            """,
    })


def test_layers_land_in_their_schemas_with_their_materializations(layered):
    result, out = build(layered)
    assert result.exit_code == 0, out
    kinds = dict(rows(layered, "select table_schema || '.' || table_name, table_type "
                               "from information_schema.tables"))
    assert kinds["seeds.people" if "seeds.people" in kinds else "main.people"] == "BASE TABLE"
    assert kinds["staging.stg_people"] == "VIEW"
    assert kinds["marts.dim_person"] == "BASE TABLE"
    assert not any("stg_scaled" in k for k in kinds), "ephemeral models are not materialized"
    assert rows(layered, "select * from marts.dim_person order by id") == [
        (1, "An", "00123", 10, "marts"), (2, "Binh", "70000", 20, "marts")]
    assert "3 of 3" in out and "stg_scaled" not in out  # an ephemeral model builds nothing


def test_vars_override_on_the_command_line(layered):
    result, _ = build(layered, vars={"factor": 3})
    assert result.exit_code == 0
    assert rows(layered, "select scaled from marts.dim_person order by id") == [(3,), (6,)]


def test_failing_model_skips_descendants_and_builds_siblings(make_project):
    root = make_project({
        "models/base.sql": "select 1 as id",
        "models/broken.sql": "{{ config(materialized='table') }}\n"
                             "select id, 'x'::integer as bad from {{ ref('base') }}",
        "models/after_broken.sql": "select * from {{ ref('broken') }}",
        "models/sibling.sql": "{{ config(materialized='table') }} select * from {{ ref('base') }}",
    })
    result, out = build(root)
    status = {r.node_id.name: r.status for r in result.results}
    assert status == {"base": "success", "broken": "error", "after_broken": "skipped",
                      "sibling": "success"}
    assert result.exit_code == 1
    assert "models/broken.sql" in out
    assert not (root / "warehouse.duckdb").exists(), "a failed first build publishes nothing"


def test_blocking_test_failure_leaves_published_file_unchanged(make_project):
    root = make_project({
        "models/nums.sql": "{{ config(materialized='table') }}\n"
                           "select * from range({{ var('n', 3) }}) t(id)",
        "models/schema.yml": """
            models:
              - name: nums
                columns:
                  - name: id
                    data_tests:
                      - accepted_values: {values: [0, 1, 2], quote: false}
            """,
    })
    result, out = build(root)
    assert result.exit_code == 0, out
    before = (root / "warehouse.duckdb").read_bytes()
    result, out = build(root, vars={"n": 5})
    assert result.exit_code == 1
    assert "accepted_values_nums_id" in out and "2 failing rows" in out
    assert (root / "warehouse.duckdb").read_bytes() == before
    assert rows(root, "select count(*) from nums") == [(3,)]


def test_incremental_strategies_with_composite_keys(make_project):
    model = """
        {{ config(materialized='incremental', unique_key=['k1', 'k2'],
                  incremental_strategy=var('strategy')) }}
        select * from (values {{ var('rows') }}) t(k1, k2, v)
        {% if is_incremental() %} where v >= (select min(v) from {{ this }}) {% endif %}
    """
    for strategy, expected in [
        ("merge", [(1, "a", 10), (1, "b", 99), (2, "a", 30)]),
        ("delete+insert", [(1, "a", 10), (1, "b", 99), (2, "a", 30)]),
        ("append", [(1, "a", 10), (1, "b", 20), (1, "b", 99), (2, "a", 30)]),
    ]:
        root = make_project({"models/inc.sql": model}, name=strategy.replace("+", "_"))
        first = {"strategy": strategy, "rows": "(1, 'a', 10), (1, 'b', 20)"}
        assert build(root, vars=first)[0].exit_code == 0
        second = {"strategy": strategy, "rows": "(1, 'b', 99), (2, 'a', 30)"}
        result, out = build(root, vars=second)
        assert result.exit_code == 0, out
        assert rows(root, "select * from inc order by all") == expected, strategy
        result, _ = build(root, vars=second, full_refresh=True)
        assert rows(root, "select * from inc order by all") == [(1, "b", 99), (2, "a", 30)]


def test_selection_builds_only_what_is_picked(layered):
    result, _ = build(layered, select=["+dim_person"], exclude=["people"])
    built = {r.node_id.name for r in result.results}
    assert "people" not in built and "dim_person" in built


def test_artifacts_written_by_cli(layered, cli):
    res = cli(layered, "build")
    assert res.code == 0, res.text
    import json

    manifest = json.loads((layered / "target/manifest.json").read_text())
    name = manifest["metadata"]["project_name"]
    node = manifest["nodes"][f"model.{name}.dim_person"]
    assert node["depends_on"]["nodes"] == [f"model.{name}.stg_people",
                                           f"model.{name}.stg_scaled"]
    assert (node["schema"], node["alias"]) == ("marts", "dim_person")
    results = json.loads((layered / "target/run_results.json").read_text())
    assert {r["status"] for r in results["results"]} == {"success"}
    assert f"model.{name}.dim_person" in {r["unique_id"] for r in results["results"]}


def test_runtime_error_points_at_the_line_in_the_model_file(make_project):
    root = make_project({
        "models/base.sql": "select 1 as id",
        "models/report.sql": """
            {{ config(
                materialized='table'
            ) }}
            select id,
                   missing_column + 1 as later
            from {{ ref('base') }}
            """,
    })
    result, out = build(root)
    assert result.exit_code == 1
    assert "models/report.sql:5: Binder Error" in out
    assert "missing_column + 1" in out
