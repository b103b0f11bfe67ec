"""dbt's invocations run unchanged: global flags before the command, -m, debug --connection,
docs generate, and what dbt reports and selects (ephemeral models, seeds described under
models:, ephemeral models in singular tests, package:)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.dbt.cli_flags import normalize

COMMANDS = ("run", "seed", "docs", "snapshot", "test", "build", "debug")

SHOP = {
    "dbt_project.yml": """
        name: shop
        profile: shop
        asset-paths: ["assets", "missing-assets"]
        models:
          shop:
            +materialized: table
        """,
    "profiles.yml": """
        shop:
          target: dev
          outputs:
            dev: {type: duckdb, path: shop.duckdb, schema: main}
        """,
    "assets/logo.txt": "a logo",
    "seeds/people.csv": "id,name,born\n1,An,2001-02-03\n2,Binh,1999-12-31\n",
    "seeds/schema.yml": """
        version: 2
        models:
          - name: people
            columns:
              - name: id
                data_tests: [unique, not_null]
        """,
    "models/only_ids.sql": "{{ config(materialized='ephemeral') }}\n"
                           "select id from {{ ref('people') }}",
    "models/stg_people.sql": "select * from {{ ref('people') }} where id in "
                             "(select id from {{ ref('only_ids') }})",
    "models/names.sql": "{{ config(materialized='view') }}\n"
                        "select name from {{ source('raw', 'people') }}",
    "models/sources.yml": """
        version: 2
        sources:
          - name: raw
            schema: main
            tables:
              - name: people
        """,
    "tests/no_third_id.sql": "select * from {{ ref('only_ids') }} where id = 3",
    "tests/no_second_id.sql": "select * from {{ ref('only_ids') }} where id = 2",
}


@pytest.fixture
def shop(make_project) -> Path:
    root = make_project(SHOP, "shop")
    (root / "pyproject.toml").unlink()  # a dbt project folder has none
    return root


def dbt_style(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`warehouse ARGS` from the project folder, as dbt is run (no --project-dir)."""
    return subprocess.run([sys.executable, "-m", "warehouse.cli", *args], cwd=root,
                          capture_output=True, text=True, timeout=120,
                          env={**_env(), "DBT_PROFILES_DIR": str(root)})


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}


def results(root: Path) -> dict[str, str]:
    data = json.loads((root / "target/run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in data["results"]}


# ------------------------------------------------------------------- flags


def test_dbt_global_flags_move_after_the_command_translate_or_drop_with_a_note():
    given = normalize(["--debug", "--no-partial-parse", "--log-level", "debug", "-q",
                       "--project-dir", "/p", "run", "-m", "x", "--use-colors"], COMMANDS)
    assert given.argv == ("run", "--debug", "--no-parse-cache", "--project-dir", "/p",
                          "-m", "x")
    assert [n.split(" is ")[0] for n in given.notes] == [
        "dbt's --log-level", "dbt's -q", "dbt's --use-colors"]


def test_flag_values_and_arguments_after_a_double_dash_are_left_alone():
    given = normalize(["--target=prod", "--log-format=json", "seed", "--vars", "a: 1",
                       "--", "--quiet"], COMMANDS)
    assert given.argv == ("seed", "--target=prod", "--vars", "a: 1", "--", "--quiet")
    assert len(given.notes) == 1


def test_a_flag_that_changes_what_is_built_is_not_swallowed():
    given = normalize(["--state", "prod/", "run"], COMMANDS)
    assert given.argv == ("--state", "prod/", "run") and not given.notes


def test_dbt_invocation_with_global_flags_and_models_alias_runs(shop):
    assert dbt_style(shop, "seed").returncode == 0
    done = dbt_style(shop, "--no-partial-parse", "--no-use-colors", "run", "-m", "names")
    assert done.returncode == 0, done.stderr
    assert "note: dbt's --no-use-colors is ignored" in done.stderr
    assert set(results(shop)) == {"model.shop.names"}
    done = dbt_style(shop, "run", "--models", "stg_people")
    assert set(results(shop)) == {"model.shop.stg_people"}, done.stderr


def test_an_unknown_dbt_flag_is_a_usage_error(shop):
    done = dbt_style(shop, "--defer", "run")
    assert done.returncode == 2 and "--defer" in done.stderr


# ------------------------------------------------------------------- debug


def test_debug_connection_opens_the_profile_database(shop):
    done = dbt_style(shop, "debug", "--connection")
    assert done.returncode == 0 and "Connection test: OK" in done.stdout, done.stderr
    assert dbt_style(shop, "seed").returncode == 0
    done = dbt_style(shop, "debug")
    assert done.returncode == 0 and "profile: shop, target dev" in done.stdout
    assert "Connection test: OK" in done.stdout


def test_debug_connection_fails_when_the_database_cannot_be_created(shop):
    (shop / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: no/such/x.duckdb}\n")
    done = dbt_style(shop, "debug", "--connection")
    assert done.returncode == 1
    assert "Connection test: ERROR" in done.stdout and "does not exist" in done.stdout


# ------------------------------------------------------------------- docs generate


def test_docs_generate_writes_dbt_catalog_of_built_relations(shop):
    assert dbt_style(shop, "seed").returncode == 0 and dbt_style(shop, "run").returncode == 0
    (shop / "target/manifest.json").unlink()
    env_run = subprocess.run([sys.executable, "-m", "warehouse.cli", "docs", "generate"],
                             cwd=shop, capture_output=True, text=True, timeout=120,
                             env={**_env(), "DBT_PROFILES_DIR": str(shop),
                                  "DBT_ENV_CUSTOM_ENV_team": "data"})
    assert env_run.returncode == 0, env_run.stderr
    catalog = json.loads((shop / "target/catalog.json").read_text())
    assert set(catalog) == {"metadata", "nodes", "sources", "errors"}
    assert catalog["metadata"]["dbt_schema_version"] == (
        "https://schemas.getdbt.com/dbt/catalog/v1.json")
    assert catalog["metadata"]["env"] == {"team": "data"}
    assert set(catalog["nodes"]) == {"seed.shop.people", "model.shop.stg_people",
                                     "model.shop.names"}  # the ephemeral model is no relation
    assert set(catalog["sources"]) == {"source.shop.raw.people"}
    seed = catalog["nodes"]["seed.shop.people"]
    assert seed["metadata"] == {"type": "BASE TABLE", "schema": "main", "name": "people",
                                "database": "shop", "comment": None, "owner": None}
    assert {c: (v["type"], v["index"]) for c, v in seed["columns"].items()} == {
        "id": ("INTEGER", 1), "name": ("VARCHAR", 2), "born": ("DATE", 3)}
    assert catalog["nodes"]["model.shop.names"]["metadata"]["type"] == "VIEW"
    assert (shop / "target/manifest.json").exists()
    assert (shop / "target/assets/logo.txt").read_text() == "a logo"
    assert not (shop / "target/missing-assets").exists()


def test_docs_generate_no_compile_writes_no_manifest(shop):
    done = dbt_style(shop, "docs", "generate", "--no-compile")
    assert done.returncode == 0, done.stderr
    assert not (shop / "target/manifest.json").exists()
    catalog = json.loads((shop / "target/catalog.json").read_text())
    assert catalog["nodes"] == {} and "lists no relations" in done.stdout


# ------------------------------------------------------------------- what runs


def test_ephemeral_models_are_not_among_run_results(shop):
    assert dbt_style(shop, "seed").returncode == 0
    done = dbt_style(shop, "run")
    assert done.returncode == 0, done.stderr
    assert set(results(shop)) == {"model.shop.stg_people", "model.shop.names"}
    assert "only_ids" not in done.stdout


def test_ephemeral_model_is_inlined_into_a_singular_test(shop):
    assert dbt_style(shop, "seed").returncode == 0
    done = dbt_style(shop, "test", "--select", "test_type:singular")
    assert done.returncode == 1
    assert results(shop) == {"test.shop.no_third_id": "pass", "test.shop.no_second_id": "fail"}


def test_seed_described_under_models_gets_its_tests(shop):
    assert dbt_style(shop, "seed").returncode == 0
    done = dbt_style(shop, "test", "-m", "people")
    assert done.returncode == 0, done.stderr
    ran = results(shop)
    assert len(ran) == 2 and all(uid.startswith("test.shop.") for uid in ran)
    assert set(ran.values()) == {"pass"}


def test_seed_types_are_dbt_duckdb_s(shop):
    assert dbt_style(shop, "seed").returncode == 0
    con = duckdb.connect(str(shop / "shop.duckdb"), read_only=True)
    try:
        types = dict(con.execute("select column_name, data_type from information_schema."
                                 "columns where table_name = 'people'").fetchall())
    finally:
        con.close()
    assert types == {"id": "INTEGER", "name": "VARCHAR", "born": "DATE"}


def test_package_selects_the_nodes_of_one_package(shop):
    for rel, text in {
        "packages.yml": "packages:\n  - package: acme/tiny\n    version: 1.0.0\n",
        "dbt_packages/tiny/dbt_project.yml": "name: tiny\n",
        "dbt_packages/tiny/models/tiny_numbers.sql": "select 1 as n",
    }.items():
        (shop / rel).parent.mkdir(parents=True, exist_ok=True)
        (shop / rel).write_text(text)
    listed = dbt_style(shop, "ls", "--select", "package:tiny", "--output", "name")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["tiny_numbers"]
    own = dbt_style(shop, "ls", "--select", "package:shop", "--resource-type", "model",
                    "--output", "name")
    assert sorted(own.stdout.split()) == ["names", "only_ids", "stg_people"]
    assert dbt_style(shop, "seed").returncode == 0
    done = dbt_style(shop, "run", "-s", "package:tiny")
    assert done.returncode == 0, done.stderr
    assert set(results(shop)) == {"model.tiny.tiny_numbers"}


def test_warehouse_test_runs_on_a_database_another_tool_built(shop):
    """As after `dbt build`: the relations exist, the engine never built them."""
    con = duckdb.connect(str(shop / "shop.duckdb"))
    con.execute("create table people as select * from (values (1, 'An'), (1, 'Bo')) "
                "t(id, name); create view stg_people as select * from people")
    con.close()
    done = dbt_style(shop, "test", "--select", "people")
    assert done.returncode == 1, done.stderr
    got = results(shop)
    assert {uid.split(".")[2]: status for uid, status in got.items()} == {
        "unique_people_id": "fail", "not_null_people_id": "pass"}


def test_a_long_generic_test_is_selected_by_dbt_s_full_name_and_stored_by_its_alias(shop):
    import hashlib

    (shop / "models/tests.yml").write_text(
        "version: 2\nmodels:\n  - name: stg_people\n    columns:\n      - name: name\n"
        "        data_tests:\n          - accepted_values:\n              values: "
        "[An, Binh, Chidi, Dagny, Emeka, Fumiko]\n              config: {store_failures: true}\n")
    full = "accepted_values_stg_people_name__An__Binh__Chidi__Dagny__Emeka__Fumiko"
    alias = "accepted_values_stg_people_" + hashlib.md5(full.encode()).hexdigest()
    assert len(full) >= 64  # dbt shortens it, for the relation only
    assert dbt_style(shop, "seed").returncode == 0
    assert dbt_style(shop, "run").returncode == 0
    done = dbt_style(shop, "test", "--select", full)
    assert done.returncode == 0, done.stdout + done.stderr
    [uid] = results(shop)
    assert uid.startswith(f"test.shop.{full}.")
    assert dbt_style(shop, "test", "--select", alias).returncode == 1  # not a node's name
    con = duckdb.connect(str(shop / "shop.duckdb"), read_only=True)
    try:
        stored = con.execute("select table_name from information_schema.tables "
                             "where table_name like 'accepted_values%'").fetchall()
    finally:
        con.close()
    assert stored == [(alias,)]


def test_a_relative_profile_path_is_opened_from_the_current_folder(shop, tmp_path):
    """As dbt-duckdb opens it: `dbt run --project-dir shop` from elsewhere builds there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-m", "warehouse.cli", "seed", "--project-dir",
                           str(shop), "--profiles-dir", str(shop)], cwd=elsewhere,
                          capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "shop.duckdb").exists()
    assert not (shop / "shop.duckdb").exists()
