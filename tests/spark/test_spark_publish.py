"""Write-audit-publish on Spark (adapters/spark/versions.py): a build writes new versions
beside the published relations and publishes them at its end. A failed build leaves the
published rows as they were, a reader during a build sees the old rows, and what a killed
build left is dropped by the next build."""

from __future__ import annotations

import pytest
from spark_helpers import build_on

from warehouse.adapters.spark.adapter import SparkAdapter
from warehouse.adapters.spark.settings import spark_target
from warehouse.core.errors import ProjectError
from warehouse.core.identity import Relation

FILES = {
    "seeds/items.csv": "id,name\n1,ann\n2,bob\n",
    "models/tagged.sql": "{{ config(materialized='table') }}\n"
                         "select id, name, 'v1' as tag from {{ ref('items') }}\n",
    "models/tagged_view.sql": "select tagged.id, tagged.tag from {{ ref('tagged') }}\n",
    "models/counted.sql": "{{ config(materialized='table') }}\n"
                          "select tag, count(*) as n from {{ ref('tagged_view') }} group by tag\n",
}


def _adapter(root) -> SparkAdapter:
    settings = spark_target(root, "spark")
    assert settings is not None
    return SparkAdapter(settings)


def _published(spark, prefix: str, name: str) -> list[tuple]:
    return sorted(tuple(r) for r in spark.sql(f"select * from `{prefix}_main`.`{name}`")
                  .collect())


def _versions(spark, prefix: str) -> list[str]:
    return sorted(t.name for t in spark.catalog.listTables(f"{prefix}_main__wh_data"))


def test_a_failed_build_leaves_the_published_rows_unchanged(spark_project, spark, monkeypatch):
    root, prefix = spark_project(FILES)
    first, out = build_on(root, "spark", monkeypatch)
    assert first.exit_code == 0, out
    before = {n: _published(spark, prefix, n) for n in ("tagged", "tagged_view", "counted")}
    assert before["counted"] == [("v1", 2)]
    kept = _versions(spark, prefix)
    # tagged is rebuilt (v2) and its view too; then counted fails half-way through the build
    (root / "models/tagged.sql").write_text(
        FILES["models/tagged.sql"].replace("'v1'", "'v2'"), encoding="utf-8")
    (root / "models/counted.sql").write_text(
        "{{ config(materialized='table') }}\nselect no_such_column from {{ ref('tagged') }}\n",
        encoding="utf-8")
    second, out = build_on(root, "spark", monkeypatch)
    assert second.exit_code != 0
    assert "Nothing published" in out and "is unchanged" in out, out
    assert {n: _published(spark, prefix, n) for n in before} == before
    # the failed build's versions are kept for inspection, and dropped by the next build
    assert len(_versions(spark, prefix)) > len(kept)
    (root / "models/counted.sql").write_text(FILES["models/counted.sql"], encoding="utf-8")
    third, out = build_on(root, "spark", monkeypatch)
    assert third.exit_code == 0, out
    assert _published(spark, prefix, "counted") == [("v2", 2)]
    assert _published(spark, prefix, "tagged_view") == [(1, "v2"), (2, "v2")]
    # one version of each table is left (items, tagged, counted): the replaced ones went
    assert [v.rpartition("__wh_v")[0] for v in _versions(spark, prefix)] == [
        "counted", "items", "tagged"]


def test_a_reader_during_a_build_sees_the_old_rows(spark_project, spark, monkeypatch):
    root, prefix = spark_project(FILES)
    assert build_on(root, "spark", monkeypatch)[0].exit_code == 0
    adapter = _adapter(root)
    with adapter.workspace() as work:
        session = work.connect()
        session.materialize(Relation("main", "tagged"), "table",
                            "select 3 as id, 'cy' as name, 'new' as tag")
        session.materialize(Relation("main", "tagged_view"), "view",
                            "select tagged.id, tagged.tag from main.tagged")
        # the build reads what it wrote (its view too); a reader, the published rows
        assert session.query("select * from main.tagged_view")[1] == [(3, "new")]
        reader = adapter.open_published()
        assert sorted(reader.query("select id, tag from main.tagged")[1]) == [
            (1, "v1"), (2, "v1")]
        assert _published(spark, prefix, "tagged_view") == [(1, "v1"), (2, "v1")]
        assert reader.relation_kind(Relation("main", "tagged")) == "table"
        assert reader.relation_kind(Relation("main", "tagged_view")) == "view"
        work.publish()
    assert _published(spark, prefix, "tagged") == [(3, "cy", "new")]
    assert _published(spark, prefix, "tagged_view") == [(3, "new")]


def test_one_build_at_a_time(spark_project, spark, monkeypatch):
    root, _ = spark_project(FILES)
    adapter = _adapter(root)
    with adapter.workspace():
        with pytest.raises(ProjectError, match="a build is already running"):
            adapter.workspace().__enter__()
        with pytest.raises(ProjectError, match="cannot clean: a build is running"):
            adapter.remove_leftovers()


def _killed_build(adapter: SparkAdapter) -> None:
    """A build that dies after writing two versions: no discard, no unlock of its own
    (the lock file still names it, as a killed process leaves it)."""
    work = adapter.workspace().__enter__()
    session = work.connect()
    session.materialize(Relation("main", "tagged"), "table", "select 9 as id")
    session.materialize(Relation("main", "brand_new"), "table", "select 9 as id")
    work._lock.release(finished=False)


def test_what_a_killed_build_left_is_dropped_by_the_next_build(spark_project, spark,
                                                               monkeypatch):
    root, prefix = spark_project(FILES)
    assert build_on(root, "spark", monkeypatch)[0].exit_code == 0
    published = _published(spark, prefix, "tagged")
    adapter = _adapter(root)
    _killed_build(adapter)
    left = _versions(spark, prefix)
    assert any(v.startswith("brand_new__wh_v") for v in left)
    assert _published(spark, prefix, "tagged") == published
    # the next build drops them (nothing changed: it only cleans, then publishes nothing)
    (root / "seeds/items.csv").write_text("id,name\n1,ann\n2,bob\n3,cy\n", encoding="utf-8")
    again, out = build_on(root, "spark", monkeypatch)
    assert again.exit_code == 0, out
    assert not [v for v in _versions(spark, prefix) if v.startswith("brand_new")]
    assert _published(spark, prefix, "tagged") == [(1, "ann", "v1"), (2, "bob", "v1"),
                                                   (3, "cy", "v1")]
    assert len(_versions(spark, prefix)) == 3
    # `warehouse clean` (remove_leftovers) drops them too, and names them
    _killed_build(adapter)
    removed = adapter.remove_leftovers()
    assert sorted(r.split(".")[1].rpartition("__wh_v")[0] for r in removed) == [
        "brand_new", "tagged"]
    assert len(_versions(spark, prefix)) == 3
    assert _published(spark, prefix, "tagged")[-1] == (3, "cy", "v1")


def test_a_publish_stopped_half_way_is_resolved_by_the_next_build(spark_project, spark,
                                                                   monkeypatch):
    root, prefix = spark_project(FILES)
    assert build_on(root, "spark", monkeypatch)[0].exit_code == 0
    counted = _published(spark, prefix, "counted")
    adapter = _adapter(root)
    work = adapter.workspace().__enter__()
    session = work.connect()
    session.materialize(Relation("main", "tagged"), "table", "select 7 as id")
    session.materialize(Relation("main", "counted"), "table", "select 7 as n")
    run = session.run

    def dies_at_counted(statement: str):
        if statement.startswith("create or replace view") and "`counted`" in statement:
            raise KeyboardInterrupt  # the process stopped between two swaps
        return run(statement)

    monkeypatch.setattr(session, "run", dies_at_counted)
    with pytest.raises(KeyboardInterrupt):
        try:
            work.publish()
        finally:
            work.__exit__(None, None, None)
    # each relation is whole, old or new (a reader between two swaps sees a mix)
    assert _published(spark, prefix, "tagged") == [(7,)]
    assert _published(spark, prefix, "counted") == counted
    assert len(_versions(spark, prefix)) == 5  # items; tagged and counted, old and new
    removed = adapter.remove_leftovers()  # or the next build: the lock names that build
    assert len(removed) == 2
    assert _published(spark, prefix, "tagged") == [(7,)]
    assert _published(spark, prefix, "counted") == counted
    assert len(_versions(spark, prefix)) == 3
