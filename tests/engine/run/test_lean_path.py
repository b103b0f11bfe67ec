"""The per-node path: tests of one model counted together, one cursor per worker.

Each test still gets its own result, line and message, the same as when it runs
alone; only the number of queries changes.
"""

from __future__ import annotations

import re

import pytest
from wh_helpers import build

from warehouse.adapters.duckdb.adapter import DuckDBSession
from warehouse.core.nodes import ModelNode, SeedNode
from warehouse.core.nodes import TestNode as DataTest
from warehouse.run.commits import WorkerCursors, leaves_cursor_as_found
from warehouse.run.testbatch import TestBatches

PEOPLE = "select * from (values (1, 'a'), (2, null), (2, 'c'), (3, 'd')) t(id, name)"

MIXED = {
    "pyproject.toml": "[tool.warehouse]\nthreads = 1\n",
    "models/people.sql": "{{ config(materialized='table') }}\n" + PEOPLE,
    "models/schema.yml": """
        models:
          - name: people
            columns:
              - name: id
                data_tests:
                  - unique
                  - not_null
                  - accepted_values:
                      values: [1, 2, 3]
                      quote: false
              - name: name
                data_tests:
                  - not_null:
                      config: {severity: warn}
                  - not_null:
                      name: name_filled_early
                      config: {where: "id < 2"}
                  - accepted_values:
                      values: ['a', 'c']
                      config: {store_failures: true, severity: warn}
        """,
    "tests/data/few_people.sql": "{{ config(error_if='>9') }}\n"
                                 "select * from {{ ref('people') }} where id > 1",
    "tests/data/broken.sql": "select no_such_column from {{ ref('people') }}",
}


def _alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs its own query, as before batching."""
    monkeypatch.setattr(TestBatches, "known_to_pass", lambda self, session, node: False)


def _lines(out: str, root) -> list[str]:
    """The output without timings (`in 0.01s`, `Done in 0.20s`) and the project's folder."""
    return [re.sub(r"in \d+\.\d+s", "in _s", line).replace(str(root), "ROOT")
            for line in out.splitlines()]


def _results(result) -> dict[str, tuple]:
    return {r.node_id.name: (r.status, r.failures, r.message, r.relation, r.detail.get(
        "sample_rows")) for r in result.results}


def _count_queries(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"failing_rows": 0, "test_counts": 0}
    for name in calls:
        original = getattr(DuckDBSession, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(DuckDBSession, name, counted)
    return calls


def test_each_test_reports_as_it_does_alone(make_project, monkeypatch):
    batched_root = make_project(MIXED, name="batched")
    alone_root = make_project(MIXED, name="alone")
    batched, batched_out = build(batched_root)
    with monkeypatch.context() as patch:
        _alone(patch)
        alone, alone_out = build(alone_root)
    assert _results(batched) == _results(alone)
    assert _lines(batched_out, batched_root) == _lines(alone_out, alone_root)
    status = {name: r[0] for name, r in _results(batched).items()}
    assert status["unique_people_id"] == "fail"  # id 2 twice
    assert status["not_null_people_name"] == "warn"
    assert status["broken"] == "error" and status["few_people"] == "warn"
    assert status["accepted_values_people_name__a__c"] == "warn"
    assert status["not_null_people_id"] == status["name_filled_early"] == "pass"
    assert "no_such_column" in _results(batched)["broken"][2]
    assert _results(batched)["unique_people_id"][4] == [[2, 2]]  # its sample row
    assert _results(batched)["accepted_values_people_name__a__c"][3].startswith(
        "test_failures.")


def test_passing_tests_of_a_model_share_one_query(make_project, monkeypatch):
    root = make_project({
        "pyproject.toml": "[tool.warehouse]\nthreads = 1\n",
        "models/people.sql": "{{ config(materialized='table') }}\n" + PEOPLE,
        "models/other.sql": "{{ config(materialized='table') }}\nselect 1 as id",
        "models/schema.yml": """
            models:
              - name: people
                columns:
                  - name: id
                    data_tests: [not_null, {accepted_values: {values: [1, 2, 3], quote: false}}]
                  - name: name
                    data_tests:
                      - not_null: {config: {where: "id <> 2"}}
              - name: other
                columns:
                  - name: id
                    data_tests: [unique]
            """,
    })
    calls = _count_queries(monkeypatch)
    result, out = build(root)
    assert result.exit_code == 0, out
    assert sum(r.status == "pass" for r in result.results) == 4
    # people's three tests: one count for all, none alone; other's lone test runs alone
    assert calls == {"test_counts": 1, "failing_rows": 1}


def test_a_failing_member_runs_its_own_query_for_its_rows(make_project, monkeypatch):
    root = make_project({**MIXED, "tests/data/broken.sql":
                                 "select * from {{ ref('people') }} where false"})
    calls = _count_queries(monkeypatch)
    result, _out = build(root)
    failed = {r.node_id.name for r in result.results if r.status in ("fail", "warn")}
    assert failed == {"unique_people_id", "not_null_people_name", "few_people",
                      "accepted_values_people_name__a__c"}
    # one shared count of the eight plain tests, then a query of its own for each of the
    # three that failed, and for the stored one (store_failures always runs alone)
    assert calls["test_counts"] == 1
    assert calls["failing_rows"] == 4


# -- one cursor per worker ----------------------------------------------------------


class FakeCursor:
    def __init__(self, log: list[str], number: int) -> None:
        self.log, self.number = log, number

    def close(self) -> None:
        self.log.append(f"close {self.number}")


class FakeSession:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.made = 0

    def cursor(self) -> FakeCursor:
        self.made += 1
        self.log.append(f"open {self.made}")
        return FakeCursor(self.log, self.made)


def _model(name: str, **config) -> ModelNode:
    from warehouse.core.identity import Relation

    return ModelNode(name=name, path=f"models/{name}.sql", template="", config=config,
                     relation=Relation("main", name), refs=(), sources=(),
                     compiled_sql="select 1")


def test_cursors_are_kept_for_plain_nodes_and_renewed_after_hooks_and_errors():
    session = FakeSession()
    cursors = WorkerCursors(session)
    plain, hooked = _model("a"), _model("b", **{"pre-hook": ["set threads = 1"]})
    first = cursors.take(plain)
    cursors.give_back(first, kept=True)
    assert cursors.take(plain) is first, "the worker's cursor is kept"
    cursors.give_back(first, kept=True)
    own = cursors.take(hooked)
    assert own is not first
    cursors.give_back(own, kept=True)
    assert session.log == ["open 1", "open 2", "close 2"], "a hooked node's cursor is its own"
    cursors.give_back(cursors.take(plain), kept=False)  # the node failed
    assert session.log[-1] == "close 1"
    again = cursors.take(plain)
    assert again is not first and session.made == 3
    cursors.give_back(again, kept=True)
    cursors.close()
    assert session.log[-1] == "close 3"


def test_which_nodes_share_the_worker_cursor():
    seed = SeedNode(name="s", path="seeds/s.csv", relation=None, column_types={})  # type: ignore[arg-type]
    test = DataTest(name="t", path="x.yml", sql="select 1", depends_on=(), config=None)
    singular_at_run = DataTest(name="u", path="tests/u.sql", sql="", depends_on=(),
                               config=None, runtime_kinds=("run_query",))
    assert leaves_cursor_as_found(seed)
    assert leaves_cursor_as_found(test)
    assert leaves_cursor_as_found(_model("a"))
    assert not leaves_cursor_as_found(_model("b", **{"post-hook": "select 1"}))
    assert not leaves_cursor_as_found(singular_at_run)
