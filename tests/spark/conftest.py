"""The Spark target's fixtures: one Spark session for the whole test run.

A JVM and its session take seconds to start (about 15 s here), so every
Spark test shares the one the first of them starts (`warehouse.adapters.
spark.settings.spark_session` keeps it for the process). Projects share its
metastore, so each project builds under a database prefix of its own.
"""

from __future__ import annotations

import itertools

import pytest
from spark_helpers import spark_pyproject, write_files

from warehouse.adapters.spark.settings import SparkSettings, spark_session

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    root = tmp_path_factory.mktemp("spark_session")
    return spark_session(SparkSettings(root=root, master="local[2]"))


@pytest.fixture
def spark_project(tmp_path, spark):
    """(files) -> (root, prefix): a fixture project whose Spark target has its own prefix."""

    def make(files: dict[str, str], name: str = "project", extra: str = ""):
        prefix = f"t{next(_numbers)}"
        files = {"pyproject.toml": spark_pyproject(prefix, extra), **files}
        return write_files(tmp_path / name, files), prefix

    return make
