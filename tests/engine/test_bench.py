"""The benchmark's generator and floor: shape and determinism only, never timings."""

from __future__ import annotations

import json

import duckdb

from warehouse import bench
from warehouse.identity import NodeKind
from warehouse.project import load_project


def test_generation_is_deterministic():
    assert bench.generate(40, 100).files() == bench.generate(40, 100).files()
    assert bench.generate(40, 100).files() != bench.generate(41, 100).files()


def test_generated_dag_is_layered_with_fan_in_one_to_three():
    project = bench.generate(300, 100)
    assert len(project.models) == 300
    layer_of = {m.name: m.layer for m in project.models}
    roots = [m for m in project.models if m.layer == 0]
    assert 3 <= len(roots) <= 10
    assert all(m.materialized == "table" and not m.parents for m in roots)
    for m in project.models:
        if m.layer:
            assert 1 <= len(m.parents) <= 3
            assert len(set(m.parents)) == len(m.parents)
            assert all(layer_of[p] < m.layer for p in m.parents)
            assert layer_of[m.parents[0]] == m.layer - 1
        assert 1 <= len(m.tests) <= 2
    assert 0 < project.n_views < 300 // 2  # mostly tables


def test_floor_runs_the_loaded_projects_sql(tmp_path):
    generated = bench.generate(20, 50)
    root = generated.write(tmp_path / "p")
    project = load_project(root)
    models = project.of_kind(NodeKind.MODEL)
    assert len(models) == 20
    assert len(project.of_kind(NodeKind.TEST)) == generated.n_tests
    statements = bench._floor_statements(project)
    assert sum(s.startswith("create or replace") for s in statements) == 20
    assert sum(s.startswith("select count(*)") for s in statements) == generated.n_tests

    db = tmp_path / "floor.duckdb"
    bench.run_floor(statements, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        kinds = dict(con.execute(
            "select table_name, table_type from information_schema.tables").fetchall())
        last = generated.models[-1]
        rows = con.execute(f"select count(*), count(distinct id) from "
                           f"layer_{last.layer:02d}.{last.name}").fetchall()
    finally:
        con.close()
    assert len(kinds) == 20
    assert sum(t == "VIEW" for t in kinds.values()) == generated.n_views
    assert rows == [(50, 50)]  # every model keeps the roots' keys


def test_table_and_json_shape(tmp_path):
    result = bench.Result(models=100, rows=10, tests=150, views=20, layers=7, threads=1,
                          floor_s=1.0, load_s=0.5, run_s=1.5, engine_s=2.0, cli_s=3.0)
    text = bench.table([result], 0.1)
    assert "3.0x" in text and "20.0" in text  # (3.0 - 1.0) s over 100 models
    data = json.loads(json.dumps(result.as_dict()))
    assert data["overhead_ms_per_model_in_process"] == 10.0


def test_main_runs_end_to_end_and_saves_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = bench.main(["--models", "8", "--rows", "20", "--repeat", "1", "--json", str(out),
                       "--keep", str(tmp_path / "work")])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    data = json.loads(out.read_text())
    (result,) = data["results"]
    assert result["models"] == 8 and result["errors"] == []
    for key in ("floor_s", "load_s", "run_s", "cli_s", "overhead_ms_per_model_cli"):
        assert result[key] is not None  # measured; how long it took is not a test matter
    assert "warehouse --help" in printed.out
