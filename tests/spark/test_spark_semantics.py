"""The same models on DuckDB and on Spark give the same rows, for the functions whose
meaning differs between the two engines (sqlglot's transpilation must carry the DuckDB
meaning over), and what cannot be carried over is a located error, never a quiet change."""

from __future__ import annotations

import pytest
from spark_compare import differences, duckdb_table, spark_table
from spark_helpers import build_on, spark_pyproject, write_files

SEED = """\
id,name,amount,day,tag
1,Alpha,7,2024-01-31,a
2,beta,-7,2024-02-29,b
3,,,2024-12-01,a
4,Gamma delta,10,,
"""

MODELS = {
    # DuckDB: `/` is float division, `//` floors; Spark's DIV truncates toward zero.
    "division.sql": """
        select id, amount / 2 as half, amount // 2 as floor_half, 7 // -2 as neg,
               amount % 3 as remainder, cast(amount as decimal(38, 10)) / cast(3 as decimal(38, 10))
               as decimal_third
        from {{ ref('things') }}
    """,
    # 1-based substrings, lengths, case, concatenation with NULL, positions, padding.
    "strings.sql": """
        select id, substring(name, 2, 3) as sub, length(name) as len, upper(name) as up,
               lower(name) as low, name || '-' || tag as joined, concat(name, tag) as concatenated,
               position('a' in name) as pos, left(name, 2) as l2, right(name, 2) as r2,
               replace(name, 'a', 'o') as replaced, lpad(cast(id as varchar), 3, '0') as padded,
               split_part(coalesce(name, ''), ' ', 2) as second_word, trim('  x ') as trimmed,
               starts_with(name, 'G') as starts, contains(name, 'et') as has_et
        from {{ ref('things') }}
    """,
    "dates.sql": """
        select id, date_trunc('month', day) as month_start, extract(year from day) as y,
               extract(dow from day) as dow, day + interval 1 day as next_day,
               date_diff('day', day, date '2025-01-01') as days_left,
               strftime(day, '%Y-%m') as ym, last_day(day) as month_end,
               cast(day as timestamp) + interval 90 minute as later
        from {{ ref('things') }}
    """,
    # lists: 1-based indexing, lengths, distinct lists sorted, membership.
    "lists.sql": """
        select tag, list_sort(list(distinct id)) as ids, array_length(list(id)) as n,
               list_sort(list(id))[1] as first_id, list_contains(list(id), 3) as has3
        from {{ ref('things') }}
        group by all
    """,
    # DuckDB sorts NULLs last both ways; Spark's own default puts them first ascending.
    "null_order.sql": """
        select id, amount, row_number() over (order by amount) as asc_rank,
               row_number() over (order by amount desc) as desc_rank,
               first_value(name) over (order by name) as first_name
        from {{ ref('things') }}
    """,
    # Identifiers: names match without regard to case, as written (quoted or not).
    "idents.sql": """
        select ID as "MixedCase", Name as lower_name, "amount" as "Amount Due"
        from {{ ref('things') }}
    """,
    "aggregates.sql": """
        select tag, count(*) filter (where amount > 0) as positive, sum(amount) as total,
               avg(amount) as mean, max(name) as top, string_agg(name, ',' order by name) as names,
               count(distinct name) as names_n
        from {{ ref('things') }}
        group by tag
        qualify row_number() over (order by tag nulls last) <= 5
    """,
    # DuckDB's list keeps NULLs (Spark's collect_list drops them) and sorts NULL keys last
    # both ways; string_agg skips NULL values; both are NULL over no rows.
    "ordered_lists.sql": """
        select tag is null as no_tag, list(distinct tag order by tag) as tags,
               list(name order by amount desc) as by_amount,
               list(id order by day nulls first, id desc) as by_day,
               string_agg(name, '|' order by id desc) as names,
               string_agg(distinct tag, ',' order by tag) filter (where amount > 0) as positive,
               list(amount order by id) filter (where id > 99) as none
        from {{ ref('things') }}
        group by all
    """,
    # len counts a string's characters or a list's elements (Spark: length or size)
    "lengths.sql": """
        with grouped as (
            select tag, list(name) as names from {{ ref('things') }} group by tag
        )
        select tag, len(names) as n, length(names) as m, len(coalesce(tag, '')) as tag_len,
               len([1, null, 3]) as literal, len(list_filter(names, lambda x: x is null)) as nulls,
               len(list_distinct(names)) as distinct_names
        from grouped
    """,
    # avg of a DECIMAL is a DOUBLE in DuckDB (Spark: a wider DECIMAL)
    "averages.sql": """
        select id, avg(cast(amount as decimal(10, 2))) over (partition by tag) as by_tag,
               avg(amount) over () as overall,
               avg(case when id <> 3 then cast(id as decimal(10, 0)) end) over () as thirds,
               list(name order by id desc) over (partition by tag) as names_by_tag
        from {{ ref('things') }}
    """,
    "printed.sql": """
        select v, printf('%.2f', round(v::decimal(38, 9), 2)) as two,
               printf('%.4f|%d|%s', round(v::decimal(38, 9), 3), 7, 'x') as mixed
        from (values (2.255), (-2.255), (0.125), (-0.0001), (1e6 / 3)) as t(v)
    """,
}


@pytest.fixture(scope="module")
def both(tmp_path_factory, spark):
    """The project built on DuckDB and on Spark, once for the module: (root, prefix)."""
    prefix = "semantics"
    files = {"pyproject.toml": spark_pyproject(prefix), "seeds/things.csv": SEED,
             **{f"models/{k}": v for k, v in MODELS.items()}}
    root = write_files(tmp_path_factory.mktemp("semantics"), files)
    with pytest.MonkeyPatch.context() as monkeypatch:
        duck, duck_out = build_on(root, None, monkeypatch)
        assert duck.exit_code == 0, duck_out
        on_spark, spark_out = build_on(root, "spark", monkeypatch)
        assert on_spark.exit_code == 0, spark_out
    return root, prefix


@pytest.mark.parametrize("model", sorted(m.removesuffix(".sql") for m in MODELS))
def test_same_rows_on_both_engines(both, spark, model):
    root, prefix = both
    relation = f"main.{model}"
    assert not differences(duckdb_table(root, relation), spark_table(spark, prefix, relation))


def test_identifier_case_kept(both, spark):
    root, prefix = both
    duck_columns, _ = duckdb_table(root, "main.idents")
    spark_columns, _ = spark_table(spark, prefix, "main.idents")
    assert duck_columns == ["MixedCase", "lower_name", "Amount Due"]
    assert [c.lower() for c in spark_columns] == [c.lower() for c in duck_columns]


def test_averages_of_decimals_are_doubles(both, spark):
    _, prefix = both
    types = dict(spark.table(f"{prefix}_main.averages").dtypes)
    assert types["by_tag"] == "double" and types["overall"] == "double"
