"""`warehouse export --parquet DIR`: a Parquet file per mart, equal to it, written atomically."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import run_cli, write_project
from wh_helpers import build

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError
from warehouse.serve import export

FILES = {
    "pyproject.toml": """
        [tool.warehouse]
        [tool.warehouse.models.marts]
        "+materialized" = "table"
        "+schema" = "marts"
    """,
    "models/staging/stg_trade.sql": """
        select * from (values
            (1, 'vn_to_la', 12.5::decimal(18,4), date '2024-01-31', true, ['a', 'b']),
            (2, 'la_to_vn', 7.25::decimal(18,4), date '2024-02-29', false, []::varchar[]),
            (3, 'total', null, null, null, null)
        ) as t (id, flow, value_usd, period_end, reported, tags)
    """,
    "models/marts/fct_trade.sql": "select * from {{ ref('stg_trade') }}",
    "models/marts/dim_flow.sql": """
        select distinct flow, length(flow) as n from {{ ref('stg_trade') }}
    """,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("export") / "project", FILES)
    result, log = build(root)
    assert result.exit_code == 0, log
    return root


def differences(db: Path, relation: str, parquet: Path) -> int:
    """Rows in one side and not the other (with duplicates), both ways."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        src = f"read_parquet('{parquet}')"
        sql = (f"select count(*) from ((select * from {relation} except all select * from {src})"
               f" union all (select * from {src} except all select * from {relation}))")
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def test_each_mart_becomes_a_parquet_file_with_the_same_rows_and_types(built, tmp_path):
    lines: list[str] = []
    written = export.export_parquet(load_project(built), tmp_path / "out", echo=lines.append)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "dim_flow.parquet", "fct_trade.parquet"]  # the staging view is not a mart
    assert {f.mart: f.rows for f in written} == {"dim_flow": 3, "fct_trade": 3}
    assert len(lines) == 2 and "fct_trade" in lines[1] and "3 rows" in lines[1]
    db = built / "warehouse.duckdb"
    for name in ("fct_trade", "dim_flow"):
        assert differences(db, f"marts.{name}", tmp_path / "out" / f"{name}.parquet") == 0
    con = duckdb.connect()
    types = dict(con.execute(
        f"select column_name, column_type from (describe select * from "
        f"read_parquet('{tmp_path / 'out' / 'fct_trade.parquet'}'))").fetchall())
    assert types["value_usd"] == "DECIMAL(18,4)"
    assert types["period_end"] == "DATE"
    assert types["tags"] == "VARCHAR[]"


def test_the_cli_exports_and_a_second_export_replaces_the_files(built, tmp_path):
    out = tmp_path / "parquet"
    first = run_cli(built, "export", "--parquet", str(out))
    assert first.code == 0, first.text
    assert "Exported 2 marts (6 rows)" in first.err
    second = run_cli(built, "export", "--parquet", str(out))
    assert second.code == 0, second.text
    assert sorted(p.name for p in out.iterdir()) == ["dim_flow.parquet", "fct_trade.parquet"]


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(built, tmp_path,
                                                                        monkeypatch):
    out = tmp_path / "out"
    export.export_parquet(load_project(built), out, echo=lambda _: None)
    before = (out / "fct_trade.parquet").read_bytes()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(export.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        export.export_parquet(load_project(built), out, echo=lambda _: None)
    assert (out / "fct_trade.parquet").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["dim_flow.parquet", "fct_trade.parquet"]


def test_without_a_published_warehouse_the_error_says_to_build(tmp_path):
    root = write_project(tmp_path / "project", FILES)
    result = run_cli(root, "export", "--parquet", str(tmp_path / "out"))
    assert result.code == 2
    assert "no published warehouse" in result.err and "warehouse build" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_a_mart_missing_from_the_published_file_is_named(built, tmp_path):
    root = write_project(tmp_path / "project", FILES)
    (root / "warehouse.duckdb").write_bytes((built / "warehouse.duckdb").read_bytes())
    (root / "models/marts/dim_new.sql").write_text("select 1 as x\n")
    with pytest.raises(ProjectError, match=r"lacks marts\.dim_new") as caught:
        export.export_parquet(load_project(root), tmp_path / "out", echo=lambda _: None)
    assert "warehouse build" in str(caught.value)


def test_a_file_given_as_the_folder_is_a_usage_error(built, tmp_path):
    target = tmp_path / "file.parquet"
    target.write_text("x")
    result = run_cli(built, "export", "--parquet", str(target))
    assert result.code == 2 and "is a file, not a folder" in result.err
