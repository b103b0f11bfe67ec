"""`on_schema_change` of an incremental model whose query changes its columns between two
builds: each mode's table, compared by content (columns and rows), as dbt-duckdb leaves it.

The first build loads ids 1-2 with columns (id, a); the second loads id 3 with the
changed query."""

from __future__ import annotations

import pytest

from tests.wh_helpers import build, rows

SEED = "id,a,b\n1,10,x1\n2,20,x2\n"
MORE = SEED + "3,30,x3\n"
NEW = "{% if is_incremental() %} where id > (select max(id) from {{ this }}){% endif %}"


def model(mode: str, columns: str) -> str:
    return (f"{{{{ config(materialized='incremental', on_schema_change='{mode}') }}}}\n"
            f"select {columns} from {{{{ ref('src') }}}}\n{NEW}\n")


def two_builds(make_project, mode: str, columns: str):
    """(the second build's result and output, the table's columns, its rows by id)."""
    root = make_project({"seeds/src.csv": SEED, "models/inc.sql": model(mode, "id, a")})
    result, out = build(root)
    assert result.exit_code == 0, out
    (root / "seeds" / "src.csv").write_text(MORE)
    (root / "models" / "inc.sql").write_text(model(mode, columns))
    result, out = build(root)
    described = rows(root, "select column_name, data_type from information_schema.columns "
                           "where table_name = 'inc' order by ordinal_position")
    return result, out, described, rows(root, "select * from inc order by id")


def test_ignore_keeps_the_tables_columns(make_project):
    result, out, columns, got = two_builds(make_project, "ignore", "id, a, b")
    assert result.exit_code == 0, out
    assert [c for c, _ in columns] == ["id", "a"]
    assert got == [(1, 10), (2, 20), (3, 30)]


def test_append_new_columns_adds_and_keeps(make_project):
    """b is added (old rows NULL); a, which the query dropped, stays (NULL in new rows)."""
    result, out, columns, got = two_builds(make_project, "append_new_columns", "id, b")
    assert result.exit_code == 0, out
    assert [c for c, _ in columns] == ["id", "a", "b"]
    assert got == [(1, 10, None), (2, 20, None), (3, None, "x3")]


def test_sync_all_columns_adds_drops_and_retypes(make_project):
    """b added, a dropped; id retyped to text keeps its values (and moves to the end, as
    dbt's add-copy-drop-rename moves it)."""
    result, out, columns, got = two_builds(make_project, "sync_all_columns",
                                           "id::varchar as id, b")
    assert result.exit_code == 0, out
    assert columns == [("b", "VARCHAR"), ("id", "VARCHAR")]
    assert got == [(None, "1"), (None, "2"), ("x3", "3")]


def test_sync_all_columns_on_an_unchanged_query_changes_nothing(make_project):
    result, out, columns, got = two_builds(make_project, "sync_all_columns", "id, a")
    assert result.exit_code == 0, out
    assert [c for c, _ in columns] == ["id", "a"]
    assert got == [(1, 10), (2, 20), (3, 30)]


@pytest.mark.parametrize("columns, said", [
    ("id, a, b", "added b (VARCHAR)"),
    ("id", "removed a"),
    ("id, a::varchar as a", "a changed from"),
])
def test_fail_stops_the_build_and_names_the_change(make_project, columns, said):
    """Located at the model's config() that sets on_schema_change; nothing published."""
    result, out, described, got = two_builds(make_project, "fail", columns)
    assert result.exit_code != 0
    assert said in out and "models/inc.sql:1" in out and "'fail'" in out, out
    assert [c for c, _ in described] == ["id", "a"]
    assert got == [(1, 10), (2, 20)]
