"""The trade warehouse built on Spark (local mode) holds the same marts as its DuckDB build:
same columns, same rows, compared by content.

In `make test`: about 4 minutes on this 2-core machine (54 models and seeds, 377 data tests,
a Spark job or more each); WAREHOUSE_SPARK_SKIP_TRADE=1 leaves it out of a quick run."""

from __future__ import annotations

import os

import pytest
from spark_compare import differences, duckdb_table, spark_table
from spark_helpers import build_on, spark_pyproject
from wh_helpers import copy_real_project, rows


@pytest.mark.skipif(bool(os.environ.get("WAREHOUSE_SPARK_SKIP_TRADE")), reason=(
    "WAREHOUSE_SPARK_SKIP_TRADE is set"))
def test_every_mart_matches_duckdb(tmp_path, spark, monkeypatch):
    root = copy_real_project(tmp_path / "trade")
    prefix = "trade"
    spark_table_text = spark_pyproject(prefix).split("[tool.warehouse.targets.spark]", 1)[1]
    with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.warehouse.targets.spark]" + spark_table_text)
    duck, duck_out = build_on(root, None, monkeypatch)
    assert duck.exit_code == 0, duck_out
    on_spark, spark_out = build_on(root, "spark", monkeypatch)
    assert on_spark.exit_code == 0, spark_out
    marts = [name for (name,) in rows(root, "select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1")]
    assert marts
    found = {mart: differences(duckdb_table(root, f"marts.{mart}"),
                               spark_table(spark, prefix, f"marts.{mart}")) for mart in marts}
    assert {m: d for m, d in found.items() if d} == {}
