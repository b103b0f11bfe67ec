"""State on the Spark target as on DuckDB: fingerprints stored in the warehouse, a no-op
rebuild that runs nothing, a one-model change that re-runs that model and what depends on
it, selection; and the readers of the published warehouse (the docs' catalog, the Parquet
export) on what Spark built."""

from __future__ import annotations

import pyarrow.parquet as pq
from spark_helpers import build_on

from warehouse.compile.load import load_project

FILES = {
    "seeds/items.csv": "id,name,price\n1,ann,2.5\n2,bob,4.0\n",
    "models/stg.sql": "select id, name, price from {{ ref('items') }}\n",
    "models/wide.sql": "{{ config(materialized='table', schema='marts') }}\n"
                       "select id, upper(name) as name, price * 2 as doubled\n"
                       "from {{ ref('stg') }}\n",
    "models/other.sql": "{{ config(materialized='table', schema='marts') }}\n"
                        "select count(*) as n from {{ ref('items') }}\n",
    "models/_models.yml": """
        models:
          - name: wide
            columns:
              - name: id
                data_tests: [unique]
    """,
}


def _ran(result) -> dict[str, str]:
    """Each node's status, without the ones the plan left alone."""
    return {r.node_id.name: r.status for r in result.results
            if r.status != "unchanged" and not r.detail.get("reused")}


def _versions(spark, prefix: str) -> list[str]:
    return sorted(t.name for t in spark.catalog.listTables(f"{prefix}_marts__wh_data"))


def test_no_op_one_change_and_selection(spark_project, spark, monkeypatch):
    root, prefix = spark_project(FILES)
    first, out = build_on(root, "spark", monkeypatch)
    assert first.exit_code == 0, out
    assert set(_ran(first)) == {"items", "stg", "wide", "other"} | {
        r.node_id.name for r in first.results if r.node_id.name.startswith("unique_")}
    versions = _versions(spark, prefix)
    # nothing changed: nothing runs, nothing is written
    again, out = build_on(root, "spark", monkeypatch)
    assert again.exit_code == 0 and _ran(again) == {}, out
    assert not again.published
    assert _versions(spark, prefix) == versions
    # one model changed: it and what reads it (wide, its test) run; items and other do not
    (root / "models/stg.sql").write_text("select id, name, price + 1 as price from "
                                         "{{ ref('items') }}\n", encoding="utf-8")
    changed, out = build_on(root, "spark", monkeypatch)
    assert changed.exit_code == 0, out
    assert {n for n in _ran(changed) if not n.startswith("unique_")} == {"stg", "wide"}
    assert spark.sql(f"select doubled from `{prefix}_marts`.`wide` order by id").collect(
        )[0][0] == 7.0
    # selection: two models changed, one selected; the other stays as it was
    (root / "models/other.sql").write_text(FILES["models/other.sql"].replace(
        "count(*)", "count(*) + 10"), encoding="utf-8")
    (root / "models/wide.sql").write_text(FILES["models/wide.sql"].replace(
        "* 2", "* 3"), encoding="utf-8")
    selected, out = build_on(root, "spark", monkeypatch, select=["other"])
    assert selected.exit_code == 0, out
    assert _ran(selected) == {"other": "success"}
    assert spark.sql(f"select n from `{prefix}_marts`.`other`").collect()[0][0] == 12
    assert spark.sql(f"select max(doubled) from `{prefix}_marts`.`wide`").collect(
        )[0][0] == 10.0
    # the next full build runs only wide (and its test): other's fingerprint was stored
    rest, out = build_on(root, "spark", monkeypatch)
    assert {n for n in _ran(rest) if not n.startswith("unique_")} == {"wide"}, out


def test_docs_catalog_and_parquet_export_read_what_spark_built(spark_project, spark,
                                                              monkeypatch, tmp_path):
    from warehouse.serve.docs.catalog import load_catalog
    from warehouse.serve.export import export_parquet

    root, prefix = spark_project(FILES)
    assert build_on(root, "spark", monkeypatch)[0].exit_code == 0
    # a value only Spark's build holds: DuckDB never built this project
    spark_rows = sorted(tuple(r) for r in spark.sql(
        f"select id, name, doubled from `{prefix}_marts`.`wide`").collect())
    monkeypatch.setenv("DBT_TARGET", "spark")
    project = load_project(root)
    catalog = load_catalog(project)
    assert catalog.available, catalog.note
    by_name = {node.name: node for node in catalog.columns}
    assert [c for c, _ in catalog.columns[by_name["wide"]]] == ["id", "name", "doubled"]
    assert dict(catalog.columns[by_name["stg"]])["name"] == "string"  # Spark's type name
    assert catalog.rows[by_name["wide"]] == 2
    assert by_name["stg"] not in catalog.rows  # a view has no row count
    written = export_parquet(project, tmp_path / "out", echo=lambda _: None)
    assert sorted(f.mart for f in written) == ["other", "wide"]
    table = pq.read_table(tmp_path / "out" / "wide.parquet")
    assert sorted(zip(*(table.column(c).to_pylist() for c in ("id", "name", "doubled")),
                      strict=True)) == spark_rows == [(1, "ANN", 5.0), (2, "BOB", 8.0)]
    assert not (root / "warehouse.duckdb").exists()


def test_debug_on_a_spark_target_not_built_yet(spark_project, monkeypatch, capsys):
    """`warehouse debug` checks the Spark warehouse folder, not a path made of its label."""
    from types import SimpleNamespace

    from warehouse.run.debug import command

    root, _ = spark_project(FILES)
    monkeypatch.setenv("DBT_TARGET", "spark")
    assert command(root, SimpleNamespace(connection=True)) == 0
    out = capsys.readouterr().out
    assert "database: spark local[2]" in out and "Connection test: OK" in out, out


def test_a_new_transpiler_rebuilds_what_the_old_one_built(spark_project, monkeypatch):
    """Spark runs the transpiler's SQL, not the model's: a release that writes it
    differently rebuilds every node, though no model changed."""
    import warehouse.adapters.spark.state as state

    root, _ = spark_project(FILES)
    first, out = build_on(root, "spark", monkeypatch)
    assert first.exit_code == 0, out
    again, out = build_on(root, "spark", monkeypatch)
    assert _ran(again) == {}, out
    monkeypatch.setattr(state, "writer", lambda: "another-release")
    rebuilt, out = build_on(root, "spark", monkeypatch)
    assert rebuilt.exit_code == 0, out
    assert {"items", "stg", "wide", "other"} <= set(_ran(rebuilt)), out
    settled, out = build_on(root, "spark", monkeypatch)
    assert _ran(settled) == {}, out
