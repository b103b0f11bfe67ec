"""run_results.json's results written from a template (run/result_entries.py): the very
text json.dumps gives of their dicts, whatever the values."""

from __future__ import annotations

import json

import pytest

from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.run.result_entries import entries_json, entry
from warehouse.run.results import NodeResult, RunResult

MODEL, TEST = NodeId(NodeKind.MODEL, "orders"), NodeId(NodeKind.TEST, "unique_orders_id")
UNIT = NodeId(NodeKind.UNIT_TEST, "keeps_names")
IDS = {MODEL: "model.shop.orders", TEST: "test.shop.unique_orders_id.1a2b3c"}

RESULTS = [
    NodeResult(MODEL, "unchanged", relation="main.orders"),
    NodeResult(MODEL, "success", elapsed=0.123456789, rows=10_000, relation="main.orders",
               detail={"reason": "changed", "kind": "table"}),
    NodeResult(TEST, "pass", failures=0, detail={"reused": True}),
    NodeResult(TEST, "unchanged", failures=0),
    NodeResult(TEST, "warn", message='2 rows: "ü" \\ \n\t\x00 \u2028 😀', failures=2,
               detail={"reason": "parent changed"}),
    NodeResult(TEST, "error", message="Binder Error: no column", elapsed=3),
    NodeResult(UNIT, "fail", failures=1, message="1 row differs", detail={"reused": 0}),
    NodeResult(MODEL, "skipped", message="upstream failed", rows=0, elapsed=-0.0),
    NodeResult(MODEL, "skipped", message="upstream failed", rows=0, elapsed=0.0),
    NodeResult(TEST, "warn", message="100% of %s rows %(x)s", failures=1, relation="a%sb"),
    NodeResult(NodeId(NodeKind.MODEL, 'o"dd %s'), "unchanged", relation='m."o%"'),
]
ODD = [  # values the template does not write itself: json.dumps of the dict does
    NodeResult(MODEL, "success", elapsed=float("nan"), rows=1),
    NodeResult(MODEL, "success", elapsed=float("inf")),
    NodeResult(MODEL, "success", rows=True),
    NodeResult(MODEL, "success", detail={"reason": ("a", 1)}),
    NodeResult(TEST, "pass", failures=1.5),
    NodeResult(TEST, "pass", message=NodeId(NodeKind.TEST, "odd")),
    NodeResult(MODEL, "success", detail={"reason": ["a", 1]}),  # (unhashable)
    NodeResult(MODEL, "success", relation=Relation("main", "x")),
    NodeResult(TEST, "pass", failures=1), NodeResult(TEST, "pass", failures=True),
    NodeResult(TEST, "pass", failures=1.0), NodeResult(TEST, "pass", failures=1),
]


def expected(results: list[NodeResult]) -> str:
    return json.dumps([entry(r, IDS) for r in results], default=str)


@pytest.mark.parametrize("results", [RESULTS, ODD, RESULTS + ODD + RESULTS, []])
def test_the_text_is_json_dumps_of_the_entries(results):
    text = entries_json(results, IDS)
    assert text == expected(results)
    assert json.loads(text, parse_constant=str) == json.loads(expected(results),
                                                              parse_constant=str)


def test_an_entry_has_dbt_fields_and_ours_under_warehouse():
    done = entry(RESULTS[1], IDS)
    assert done["unique_id"] == "model.shop.orders" and done["status"] == "success"
    assert done["execution_time"] == 0.1235 and done["relation_name"] == "main.orders"
    assert done["adapter_response"] == {"_message": "success", "rows_affected": 10_000,
                                        "warehouse": {"node": "model.orders",
                                                      "status": "success", "rows": 10_000,
                                                      "relation": "main.orders",
                                                      "reused": False, "reason": "changed"}}
    reused = json.loads(entries_json([RESULTS[0], RESULTS[3]], IDS))
    assert [r["status"] for r in reused] == ["success", "pass"]  # dbt's words for ours
    assert reused[1]["adapter_response"]["warehouse"]["status"] == "unchanged"
    assert entry(RESULTS[6], IDS)["unique_id"] == "unit_test.keeps_names"  # (no dbt id)


def test_the_file_is_write_json_of_the_document(monkeypatch):
    from warehouse.run import artifacts

    monkeypatch.setattr(artifacts, "_ids", lambda project: IDS)
    run = RunResult("build", tuple(RESULTS + ODD), 1.23456, True, "/tmp/w.duckdb")
    monkeypatch.setattr(artifacts, "metadata", lambda schema: {"dbt_schema_version": schema,
                                                               "env": {"results": "x"}})
    document = artifacts.run_results(run, object())
    assert artifacts.run_results_json(run, object()) == json.dumps(
        document, default=str).encode()
    assert list(document) == ["metadata", "elapsed_time", "args", "results"]
    head, results = artifacts.run_results_parts(run, object())
    assert {**head, "results": json.loads(results, parse_constant=str)} == json.loads(
        json.dumps(document, default=str), parse_constant=str)


def test_entries_made_before_are_used_for_their_own_results_only():
    from warehouse.run.result_entries import entry_texts

    left = RESULTS[:4]
    made = entry_texts(left, IDS)
    made[id(left[0])] = (left[0], '"made before"')  # (to see that it is the one used)
    stranger = NodeResult(MODEL, "unchanged", relation="main.orders")
    made[id(stranger) + 1] = (stranger, '"not its own"')
    text = entries_json(RESULTS, IDS, made)
    assert text == '["made before", ' + expected(RESULTS[1:])[1:]
    equal_not_same = [NodeResult(MODEL, "unchanged", relation="main.orders")]  # == left[0]
    assert entries_json(equal_not_same, IDS, made) == expected(equal_not_same)


def test_a_rebuild_writes_the_entries_made_while_it_ran(tmp_path, monkeypatch):
    """A build that publishes makes its entries while the work file checkpoints
    (artifacts.prepare_entries): the file is what json.dumps gives of every entry."""
    from warehouse.cli import main
    from warehouse.run import artifacts

    (tmp_path / "models").mkdir()
    for name, sql in (("a", "select 1 as id"), ("b", "select id from {{ ref('a') }}"),
                      ("c", "select id from {{ ref('a') }}")):
        (tmp_path / "models" / f"{name}.sql").write_text(sql)
    (tmp_path / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n"
        "        tests: [unique, not_null]\n")
    (tmp_path / "pyproject.toml").write_text('[tool.warehouse]\nname = "t"\n')
    assert main(["build", "--project-dir", str(tmp_path)]) == 0
    (tmp_path / "models" / "c.sql").write_text("select id + 1 as id from {{ ref('a') }}")
    prepared = []
    real = artifacts.prepare_entries
    monkeypatch.setattr(artifacts, "prepare_entries",
                        lambda results, project: prepared.append(len(results))
                        or real(results, project))
    assert main(["build", "--project-dir", str(tmp_path)]) == 0
    assert prepared == [5]  # c, and a, b and b's two tests: left alone
    data = json.loads((tmp_path / "target" / "run_results.json").read_text())
    by_node = {e["adapter_response"]["warehouse"]["node"]: e for e in data["results"]}
    assert by_node["model.c"]["status"] == "success"
    assert by_node["model.a"]["adapter_response"]["warehouse"]["status"] == "unchanged"
    assert len(by_node) == 5
