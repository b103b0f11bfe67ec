"""What cannot run on Spark with DuckDB's meaning is an error at the model's file and line,
naming the construct: refused while transpiling (sqlglot cannot write it, or would write
it with another meaning), or refused by Spark itself."""

from __future__ import annotations

import pytest
from spark_helpers import build_on

from warehouse.adapters.spark.transpile import TranspileError, to_spark, to_spark_one


def test_sqlglot_refusal_names_the_construct_and_line():
    sql = "select a,\n  sum(a) over (order by b rows between 1 preceding and current row\n" \
          "    exclude current row) as s\nfrom t"
    with pytest.raises(TranspileError) as caught:
        to_spark(sql)
    text = str(caught.value)
    assert "EXCLUDE" in text and "cannot be transpiled to Spark SQL" in text
    assert "\nLINE 3:" in text  # line 2 of the SQL: the convention is line + 1


@pytest.mark.parametrize("sql, construct", [
    ("select *\nfrom t\npositional join u", "POSITIONAL JOIN"),
    ("select *\nfrom t\nasof join u on t.a >= u.a", "ASOF JOIN"),
])
def test_silent_changes_of_meaning_are_refused(sql, construct):
    with pytest.raises(TranspileError) as caught:
        to_spark(sql)
    line = next(i for i, text in enumerate(sql.splitlines(), 1) if text.strip()[:4] in
                ("posi", "asof"))
    assert construct in str(caught.value) and f"\nLINE {line + 1}:" in str(caught.value)


def test_schemas_renamed_to_spark_databases():
    sql = to_spark_one('select * from "marts"."facts" join other using (id)',
                       lambda schema: "p_" + schema)
    assert "`p_marts`.`facts`" in sql and "JOIN other" in sql


def test_untranspilable_model_is_a_located_build_error(spark_project, monkeypatch):
    root, _ = spark_project({
        "models/ok.sql": "select 1 as a, 2 as b\n",
        "models/windowed.sql": "select a,\n  sum(a) over (order by b rows between 1 preceding "
                               "and current row exclude current row) as s\n"
                               "from {{ ref('ok') }}\n",
    })
    result, out = build_on(root, "spark", monkeypatch)
    assert result.exit_code != 0
    assert "models/windowed.sql:2: cannot be transpiled to Spark SQL" in out
    assert "EXCLUDE" in out


def test_spark_side_error_is_located(spark_project, monkeypatch):
    root, _ = spark_project({
        "models/ok.sql": "select 1 as a\n",
        # valid DuckDB (JSON of a number); Spark's to_json takes structs, arrays and maps
        "models/counted.sql": "select a,\n  a + 1 as b,\n  to_json(a) as n\n"
                              "from {{ ref('ok') }}\n",
        # valid DuckDB that sqlglot passes through unchanged; Spark has no such function
        "models/reduced.sql": "select a,\n  list_reduce([a, 2], (x, y) -> x + y) as total\n"
                              "from {{ ref('ok') }}\n",
    })
    result, out = build_on(root, "spark", monkeypatch)
    assert result.exit_code != 0
    assert "models/counted.sql:3: Spark: [DATATYPE_MISMATCH" in out
    assert "models/reduced.sql:2: Spark:" in out and "LIST_REDUCE" in out.upper()
