"""manifest.json, run_results.json and catalog.json follow dbt's published JSON schemas.

The schemas are those dbt-core (a dev dependency, through dbt-tests-adapter) generates
from its own artifact classes: manifest v12, run-results v6, catalog v1. They allow no
field of their own anywhere, so the engine's fields live in the free-form objects, under
`warehouse`; the tests read them back from there.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("dbt.artifacts.schemas.manifest")
jsonschema = pytest.importorskip("jsonschema")

PROJECT = {
    "dbt_project.yml": "name: shop\nprofile: shop\n",
    "profiles.yml": "shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: PATH}\n",
    "seeds/people.csv": "id,name\n1,An\n2,Binh\n",
    "models/sources.yml": """
        version: 2
        sources:
          - name: raw
            schema: main
            tables: [{name: people}]
        models:
          - name: stg_people
            description: People, cleaned.
            columns:
              - name: id
                data_tests:
                  - unique
                  - accepted_values:
                      values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
        unit_tests:
          - name: keeps_names
            model: stg_people
            given:
              - input: ref('people')
                rows: [{id: 1, name: An}]
            expect:
              rows: [{id: 1, name: An}]
        """,
    "models/stg_people.sql": "select id, name from {{ ref('people') }}",
    "models/staging/inner.sql": "{{ config(materialized='ephemeral') }}\n"
                                "select id from {{ ref('people') }}",
    "models/ids.sql": "select * from {{ ref('inner') }}",
    "tests/no_nulls.sql": "select * from {{ ref('stg_people') }} where name is null",
}


@cache
def schema(kind: str) -> dict:
    from dbt.artifacts.schemas.catalog import CatalogArtifact
    from dbt.artifacts.schemas.manifest.v12.manifest import WritableManifest
    from dbt.artifacts.schemas.run.v5.run import RunResultsArtifact

    cls = {"manifest": WritableManifest, "run_results": RunResultsArtifact,
           "catalog": CatalogArtifact}[kind]
    return cls.json_schema()


def assert_valid(kind: str, data: dict) -> None:
    validator = jsonschema.Draft202012Validator(schema(kind))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in validator.iter_errors(data)]
    assert not errors, "\n".join(errors[:10])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from tests.conftest import write_project

    root = tmp_path_factory.mktemp("artifacts") / "shop"
    files = dict(PROJECT)
    files["profiles.yml"] = files["profiles.yml"].replace("PATH", str(root / "shop.duckdb"))
    write_project(root, files)
    (root / "pyproject.toml").unlink()
    import os

    os.environ.pop("DBT_PROFILES_DIR", None)
    done = run_cli(root, "build", "--profiles-dir", str(root))
    assert done.code == 0, done.text
    return root


def read(root: Path, name: str) -> dict:
    return json.loads((root / "target" / name).read_text())


def test_manifest_is_valid_v12_with_dbt_ids(built):
    manifest = read(built, "manifest.json")
    assert_valid("manifest", manifest)
    assert manifest["metadata"]["dbt_schema_version"] == (
        "https://schemas.getdbt.com/dbt/manifest/v12.json")
    nodes = manifest["nodes"]
    assert {"seed.shop.people", "model.shop.stg_people", "model.shop.inner",
            "model.shop.ids", "test.shop.no_nulls"} <= set(nodes)
    assert set(manifest["sources"]) == {"source.shop.raw.people"}
    assert set(manifest["unit_tests"]) == {"unit_test.shop.stg_people.keeps_names"}
    generic = [uid for uid in nodes if uid.startswith("test.shop.unique_stg_people_id.")]
    assert len(generic) == 1 and len(generic[0].rsplit(".", 1)[1]) == 10
    model = nodes["model.shop.stg_people"]
    assert model["fqn"] == ["shop", "stg_people"]
    assert nodes["model.shop.inner"]["fqn"] == ["shop", "staging", "inner"]
    assert model["depends_on"]["nodes"] == ["seed.shop.people"]
    assert model["description"] == "People, cleaned."
    assert model["relation_name"] == '"shop"."main"."stg_people"'
    assert "relation_name" not in nodes["model.shop.inner"]  # ephemeral: no relation
    assert manifest["child_map"]["seed.shop.people"] == [
        "model.shop.inner", "model.shop.stg_people"]
    assert manifest["parent_map"]["model.shop.ids"] == ["model.shop.inner"]
    ours = model["meta"]["warehouse"]
    assert ours["node"] == "model.stg_people" and len(ours["fingerprint"]) >= 16


def test_run_results_are_valid_v6_with_our_fields_under_warehouse(built):
    data = read(built, "run_results.json")
    assert_valid("run_results", data)
    assert data["args"]["which"] == "build"
    assert data["args"]["warehouse"]["published"] is True
    by_id = {r["unique_id"]: r for r in data["results"]}
    assert by_id["seed.shop.people"]["status"] == "success"
    assert by_id["seed.shop.people"]["adapter_response"]["warehouse"]["rows"] == 2
    assert by_id["test.shop.no_nulls"]["status"] == "pass"
    assert "model.shop.inner" not in by_id  # an ephemeral model builds nothing
    second = run_cli(built, "build", "--profiles-dir", str(built))
    assert second.code == 0
    again = read(built, "run_results.json")
    assert_valid("run_results", again)
    model = next(r for r in again["results"] if r["unique_id"] == "model.shop.stg_people")
    assert model["status"] == "success"  # dbt has no status for a reused node
    assert model["adapter_response"]["warehouse"]["status"] == "unchanged"


def test_result_selector_reads_our_statuses_back(built):
    listed = run_cli(built, "ls", "--select", "result:unchanged", "--profiles-dir", str(built))
    assert "model.stg_people" in listed.out.split(), listed.text


def test_catalog_is_valid_v1(built):
    done = run_cli(built, "docs", "generate", "--profiles-dir", str(built))
    assert done.code == 0, done.text
    catalog = read(built, "catalog.json")
    assert_valid("catalog", catalog)
    assert set(catalog["nodes"]) == {"seed.shop.people", "model.shop.stg_people",
                                     "model.shop.ids"}


def test_an_unchanged_project_keeps_its_manifest(built):
    path = built / "target/manifest.json"
    before = path.stat().st_mtime_ns
    assert run_cli(built, "run", "--profiles-dir", str(built)).code == 0
    assert path.stat().st_mtime_ns == before
    assert (built / "target/manifest.json.key").exists()
