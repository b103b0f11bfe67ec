"""Which adapter a project builds with: the one place that names an implementation.

Every layer above asks here for an `Adapter` (from the project's
configuration) or for the database's SQL parser (from the dialect), and then
talks to the protocol only. A new engine is one more branch here and one
more package beside `duckdb`.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.adapters.base import Adapter, SqlParser
from warehouse.core.config import ProjectConfig
from warehouse.core.errors import ProjectError

FAILED_BUILD_NAME = "failed_build.duckdb"  # in target/: a failed build, kept for inspection


def adapter_for(config: ProjectConfig, database: Path | None = None) -> Adapter:
    """The adapter of the project's target. `database` builds into another file than the
    project's own (the pytest plugin's private build); such a build keeps no state stamp,
    which describes the project's own warehouse only. A pyproject project's `--target NAME`
    (DBT_TARGET) that names a Spark target builds on Spark (adapters/spark/settings.py), and
    so does a dbt project whose profile output is `type: spark` (dbt/profile.py)."""
    if config.spark_target is not None and database is None:
        from warehouse.adapters.spark.adapter import SparkAdapter
        from warehouse.adapters.spark.settings import SparkSettings

        spark = config.spark_target
        return SparkAdapter(SparkSettings(
            root=config.root, name=config.target_name, master=spark["master"],
            warehouse_dir=Path(spark["warehouse_dir"]), conf=dict(spark["conf"])))
    if config.schema_naming != "dbt" and database is None:
        import os

        from warehouse.adapters.spark.settings import spark_target

        spark = spark_target(config.root, os.environ.get("DBT_TARGET"), config.config_file)
        if spark is not None:
            from warehouse.adapters.spark.adapter import SparkAdapter

            return SparkAdapter(spark)
    from warehouse.adapters.duckdb.adapter import DuckDBAdapter
    from warehouse.adapters.duckdb.state import STAMP_NAME

    own = config.root / config.database
    path = Path(database) if database is not None else own
    target = config.root / config.target_dir
    return DuckDBAdapter(path, stamp=target / STAMP_NAME if path == own else None,
                         keep_failed_as=target / FAILED_BUILD_NAME)


def sql_parser(dialect: str) -> SqlParser:
    """The parser of the database that runs SQL of `dialect`."""
    if dialect != "duckdb":
        raise ProjectError(f"no adapter runs SQL of dialect {dialect!r}")
    from warehouse.adapters.duckdb.parser import DuckDBParser

    return DuckDBParser()
