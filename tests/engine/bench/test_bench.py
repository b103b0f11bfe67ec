"""The benchmark's generator, floor and report: shape and completeness, never timings."""

from __future__ import annotations

import json

import duckdb
import pytest

from warehouse.bench import measure as bench
from warehouse.bench.project import change_model, generate, leaf_and_root, model_path
from warehouse.bench.report import Build, LoadResult, SizeResult, rows_for, table
from warehouse.compile.load import load_project
from warehouse.core.identity import NodeKind


def test_generation_is_deterministic():
    assert generate(40, 100).files() == generate(40, 100).files()
    assert generate(40, 100).files() != generate(41, 100).files()


def test_generated_dag_is_layered_with_fan_in_one_to_three():
    project = generate(300, 100)
    assert len(project.models) == 300
    layer_of = {m.name: m.layer for m in project.models}
    roots = [m for m in project.models if m.layer == 0]
    assert 3 <= len(roots) <= 10
    assert all(m.materialized == "table" and not m.parents for m in roots)
    fan_ins = set()
    for m in project.models:
        if m.layer:
            assert 1 <= len(m.parents) <= 3
            assert len(set(m.parents)) == len(m.parents)
            assert all(layer_of[p] < m.layer for p in m.parents)
            assert layer_of[m.parents[0]] == m.layer - 1
            fan_ins.add(len(m.parents))
        assert 1 <= len(m.tests) <= 2
    assert fan_ins == {1, 2, 3}
    assert 0 < project.n_views < 300 // 2  # mostly tables


def test_leaf_and_root_are_a_sink_and_the_widest_root():
    project = generate(60, 10)
    leaf, root = leaf_and_root(project)
    assert not any(leaf.name in m.parents for m in project.models)
    assert root.layer == 0
    descendants = {r.name: bench._descendants(project, r.name)
                   for r in project.models if r.layer == 0}
    assert descendants[root.name] == max(descendants.values())


def test_floor_runs_the_loaded_projects_sql(tmp_path):
    generated = generate(20, 50)
    root = generated.write(tmp_path / "p")
    project = load_project(root)
    assert len(project.of_kind(NodeKind.MODEL)) == 20
    assert len(project.of_kind(NodeKind.TEST)) == generated.n_tests
    statements = bench.floor_statements(project)
    assert sum(s.startswith("create or replace") for s in statements) == 20
    assert sum(s.startswith("select count(*)") for s in statements) == generated.n_tests

    con = duckdb.connect()
    for statement in statements:
        con.execute(statement).fetchall()
    kinds = dict(con.execute(
        "select table_name, table_type from information_schema.tables").fetchall())
    last = generated.models[-1]
    rows = con.execute(f"select count(*), count(distinct id) from "
                       f"layer_{last.layer:02d}.{last.name}").fetchall()
    assert len(kinds) == 20
    assert sum(t == "VIEW" for t in kinds.values()) == generated.n_views
    assert rows == [(50, 50)]  # every model keeps the roots' keys


def test_a_changed_model_computes_the_same_rows(tmp_path):
    generated = generate(12, 30)
    root = generated.write(tmp_path / "p")
    leaf, _ = leaf_and_root(generated)
    before = change_model(root, leaf)
    assert model_path(root, leaf).read_text() != before
    project = load_project(root)
    node = next(n for n in project.of_kind(NodeKind.MODEL) if n.name == leaf.name)
    con = duckdb.connect()
    for statement in bench.floor_statements(project):
        con.execute(statement).fetchall()
    assert con.execute(f"select count(*) from {node.relation.sql}").fetchall() == [(30,)]


def test_report_marks_every_goal():
    def run(seconds: float, models: int | None = None) -> Build:
        return Build(seconds, seconds * 0.9, models, 0)

    size = SizeResult(
        models=500, tests=700, floor=run(10.0, 500), load=run(1.0, 500),
        cold={1: run(10.5, 500), 2: run(11.0, 500)}, noop=run(0.1, 0), leaf=run(1.0, 2),
        root=run(9.0, 400), root_descendants=399, leaf_floor=run(0.4, 1),
        leaf_again=run(0.7, 1))
    seed = {"read_csv baseline": run(1.0), "load_seed": run(1.5)}
    loads = [LoadResult(10_000, cold=run(2.5), warm=run(0.6))]
    rows = rows_for([size], run(0.1), seed, 1000, loads=loads)
    by_measure = {r.measure: r for r in rows}
    assert by_measure["cold build, threads=1"].met is True  # 1.05x <= 1.1x
    assert by_measure["cold build, threads=2"].met is None  # reported, no goal
    assert by_measure["no-op rebuild"].met is True  # 0.1 s <= 0.15 s
    leaf = by_measure["rebuild after a leaf model changed (first after the cold build)"]
    assert leaf.met is False and leaf.ratio == 2.5  # ran 2, and 2.5x its SQL
    again = by_measure["rebuild after it changed again"]
    assert again.met is True and again.ratio == pytest.approx(1.75)  # ran 1, 1.75x its SQL
    assert by_measure["load, cold (subprocess)"].met is True
    assert by_measure["load, warm (subprocess)"].met is False
    assert by_measure["warehouse --help"].met is True
    assert by_measure["seed 1,000 rows: load_seed"].met is False  # 1.5x
    text = table(rows)
    assert text.count("MISSED") == 3 and text.count(" met") == 5
    assert "1.05x" in text and "9.45" in text  # wall ratio; cpu seconds


def test_main_runs_end_to_end_and_reports_every_row(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = bench.main(["--models", "6", "--rows", "20", "--repeat", "1", "--threads", "1", "2",
                       "--threads-for", "6", "--seed-rows", "200", "--json", str(out),
                       "--load-models", "8", "--keep", str(tmp_path / "work")])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    for measure in ("floor: DuckDB runs the same SQL", "load in-process",
                    "cold build, threads=1", "cold build, threads=2", "no-op rebuild",
                    "rebuild after a leaf model changed", "rebuild after the root changed",
                    "floor: the changed leaf's SQL and tests alone",
                    "load, cold (subprocess)", "load, warm (subprocess)",
                    "warehouse --help", "seed 200 rows: read_csv baseline",
                    "seed 200 rows: load_seed, types inferred",
                    "seed 200 rows: load_seed, types declared"):
        assert measure in printed.out
    data = json.loads(out.read_text())
    (result,) = data["results"]
    assert result["models"] == 6 and result["errors"] == []
    assert set(result["cold"]) == {"1", "2"}
    assert result["leaf"]["models_run"] >= 1  # 1 once unchanged models are skipped
    assert result["root"]["models_run"] >= result["root_descendants"] + 1
    assert all(row["run"]["seconds"] is not None for row in data["rows"])
    assert result["floor"]["models_run"] == 6
    assert result["floor"]["peak_mib"] > 0 and result["cold"]["1"]["peak_mib"] > 0
    assert result["leaf_floor"]["models_run"] == 1
    assert data["loads"][0]["models"] == 8 and data["loads"][0]["warm"]["seconds"] > 0
    # the generated files are put back after the change measures
    work = tmp_path / "work" / "bench_6"
    assert {p.relative_to(work).as_posix(): p.read_text() for p in
            (work / "models").rglob("*.sql")} == {
        k: v for k, v in generate(6, 20).files().items() if k.endswith(".sql")
        and k.startswith("models/")}
