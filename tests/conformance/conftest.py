"""The fixtures dbt's adapter test cases ask for, building the case's project for `warehouse`.

dbt's harness (dbt.tests.fixtures.project) defines the same fixture names; a case
class overrides some of them (`models`, `seeds`, `tests`, `snapshots`, `macros`,
`project_config_update`, even `project_files`) and reads the rest. These mirror dbt's
graph with three differences: the profile is a DuckDB file (dbt-duckdb's `file` test
profile: an absolute `path`, `threads: 4`, the case's unique schema); no dbt adapter
is created; and `project` installs the harness's stand-ins for `run_dbt` and the adapter
(see harness.py) for as long as the case's class runs.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from dbt.tests.fixtures.project import write_project_files

from conformance.harness import WarehouseProject, install


@pytest.fixture(scope="class")
def unique_schema(request) -> str:
    return f"test{uuid.uuid4().hex[:16]}_{request.module.__name__.split('.')[-1]}"


@pytest.fixture(scope="class")
def profiles_root(tmpdir_factory):
    return tmpdir_factory.mktemp("profile")


@pytest.fixture(scope="class")
def project_root(tmpdir_factory):
    return tmpdir_factory.mktemp("project")


@pytest.fixture(scope="class")
def dbt_profile_target(tmp_path_factory) -> dict:
    return {"type": "duckdb", "threads": 4,
            "path": str(tmp_path_factory.mktemp("dbs") / "tmp.duckdb")}


@pytest.fixture(scope="class")
def profile_user(dbt_profile_target):
    return dbt_profile_target.get("user")


@pytest.fixture(scope="class")
def profiles_config_update() -> dict:
    return {}


@pytest.fixture(scope="class")
def dbt_profile_data(unique_schema, dbt_profile_target, profiles_config_update) -> dict:
    target = {**dbt_profile_target, "schema": unique_schema}
    profile = {"test": {"outputs": {"default": target}, "target": "default"}}
    profile.update(profiles_config_update or {})
    return profile


@pytest.fixture(scope="class")
def profiles_yml(profiles_root, dbt_profile_data) -> dict:
    Path(profiles_root, "profiles.yml").write_text(yaml.safe_dump(dbt_profile_data),
                                                   encoding="utf-8")
    return dbt_profile_data


@pytest.fixture(scope="class")
def project_config_update() -> dict:
    return {}


@pytest.fixture(scope="class")
def dbt_project_yml(project_root, project_config_update) -> dict:
    config = {"name": "test", "profile": "test",
              "flags": {"send_anonymous_usage_stats": False}}
    if isinstance(project_config_update, str):
        project_config_update = yaml.safe_load(project_config_update)
    config.update(project_config_update or {})
    Path(project_root, "dbt_project.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return config


@pytest.fixture(scope="class")
def models() -> dict:
    return {}


@pytest.fixture(scope="class")
def macros() -> dict:
    return {}


@pytest.fixture(scope="class")
def properties() -> dict:
    return {}


@pytest.fixture(scope="class")
def seeds() -> dict:
    return {}


@pytest.fixture(scope="class")
def snapshots() -> dict:
    return {}


@pytest.fixture(scope="class")
def tests() -> dict:
    return {}


@pytest.fixture(scope="class")
def analyses() -> dict:
    return {}


@pytest.fixture(scope="class")
def project_files(project_root, models, macros, snapshots, properties, seeds, tests, analyses,
                  dbt_project_yml) -> None:
    write_project_files(project_root, "models", {**models, **properties})
    write_project_files(project_root, "macros", macros)
    write_project_files(project_root, "snapshots", snapshots)
    write_project_files(project_root, "seeds", seeds)
    write_project_files(project_root, "tests", tests)
    write_project_files(project_root, "analyses", analyses)


@pytest.fixture(scope="class")
def test_config() -> dict:
    return {}


@pytest.fixture(scope="class")
def project(project_root, profiles_root, profiles_yml, dbt_project_yml, project_files,
            unique_schema, dbt_profile_target, test_config):
    """As dbt's: the test schema exists and the current folder is the project's."""
    built = WarehouseProject(project_root=project_root, profiles_dir=Path(profiles_root),
                             test_schema=unique_schema,
                             database_path=Path(dbt_profile_target["path"]),
                             test_config=test_config)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project_root)
        # `--profiles-dir` sets DBT_PROFILES_DIR in this process (warehouse/cli.py);
        # setting it here first makes the patch restore it when the class is done.
        patch.setenv("DBT_PROFILES_DIR", str(profiles_root))
        install(patch, built)
        built.create_test_schema()
        yield built
