"""A dbt profile output of `type: spark` (dbt-spark's `method: session`) builds the dbt
project on the Spark target; what the engine cannot honour in it is an error at its line of
profiles.yml, naming the key."""

from __future__ import annotations

import itertools

import pytest
from spark_helpers import write_files

from warehouse.core.errors import ProjectError
from warehouse.dbt.profile import load_target

_numbers = itertools.count(1)

PROFILE = """
shop:
  target: dev
  outputs:
    dev:
      type: spark
      method: session
      host: {host}
      schema: {schema}
      threads: 2
      connect_retries: 3
      server_side_parameters:
        spark.sql.shuffle.partitions: 2
{extra}"""


def _profile(root, *, host="NA", schema="analytics", extra="") -> None:
    write_files(root, {"profiles.yml": PROFILE.format(host=host, schema=schema, extra=extra)})


def test_a_spark_output_is_the_spark_target(tmp_path):
    _profile(tmp_path, host="spark://cluster:7077")
    target = load_target(tmp_path, "shop")
    assert (target.schema, target.threads) == ("analytics", 2)
    assert target.spark == {"master": "spark://cluster:7077", "warehouse_dir": "spark-warehouse",
                            "conf": {"spark.sql.shuffle.partitions": "2"}}
    _profile(tmp_path)  # host NA (dbt-spark's placeholder for session): local mode
    assert load_target(tmp_path, "shop").spark["master"] == "local[*]"


@pytest.mark.parametrize(("change", "key", "line"), [
    ({"extra": "      token: abc\n"}, "token", 13),
    ({"host": "dbc-123.cloud.databricks.com"}, "host", 7),
])
def test_an_unsupported_key_is_named_at_its_line(tmp_path, change, key, line):
    _profile(tmp_path, **change)
    with pytest.raises(ProjectError) as caught:
        load_target(tmp_path, "shop")
    assert key in str(caught.value)
    assert caught.value.path.endswith("profiles.yml")
    assert caught.value.line == line, caught.value


def test_a_method_other_than_session_is_refused_at_its_line(tmp_path):
    write_files(tmp_path, {"profiles.yml": PROFILE.format(host="NA", schema="a", extra="")
                           .replace("method: session", "method: thrift")})
    with pytest.raises(ProjectError, match="method 'thrift' is not supported") as caught:
        load_target(tmp_path, "shop")
    assert caught.value.line == 6 and "method" in (caught.value.snippet or "")


def test_a_dbt_project_builds_on_spark(tmp_path, spark, monkeypatch):
    from wh_helpers import build

    monkeypatch.delenv("DBT_TARGET", raising=False)
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    schema = f"dbtspark{next(_numbers)}"
    root = write_files(tmp_path / "shop", {
        "dbt_project.yml": "name: shop\nprofile: shop\nmodels:\n  shop:\n"
                           "    +materialized: table\n",
        "seeds/orders.csv": "id,amount\n1,10\n2,32\n",
        "models/revenue.sql": "select sum(amount) as total from {{ ref('orders') }}\n",
    })
    _profile(root, schema=schema)
    monkeypatch.chdir(root)
    result, out = build(root)
    assert result.exit_code == 0, out
    assert result.database.startswith("spark local[*]"), result.database
    rows = spark.sql(f"select total from `{schema}`.`revenue`").collect()
    assert [tuple(r) for r in rows] == [(42,)]
