"""A rebuild's work after loading in proportion to what ran, with the same results.

The stored state after a build is worked out from the state before it and the
rows the build wrote (workspace._final_state), the stamp is read once per
process (state._read_stamp), the state table's times are read as numbers, and
selecting everything skips the selectors' evaluation: each test compares with
the long way round.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import duckdb
import pytest
from wh_helpers import build

from warehouse.adapters.base import NodeState, StoredState
from warehouse.adapters.duckdb import spare as spares
from warehouse.adapters.duckdb import state as states
from warehouse.compile.load import load_project
from warehouse.run.plan import _select_by_terms, select_nodes
from warehouse.run.results import KINDS_BY_COMMAND, RunOptions

FILES = {
    "seeds/people.csv": "id,name\n1,An\n2,Binh\n",
    "models/stg.sql": "select id, name from {{ ref('people') }}",
    "models/wide.sql": "{{ config(materialized='table') }}\n"
                       "select id, upper(name) as name from {{ ref('stg') }}",
    "models/other.sql": "{{ config(materialized='table') }}\nselect 42 as answer",
    "models/gone.sql": "{{ config(materialized='table') }}\nselect 7 as seven",
    "models/schema.yml": """
        models:
          - name: wide
            columns:
              - name: id
                data_tests: [unique, not_null]
        """,
}
UNIT_TEST = {  # its temporary tables are statements of their own: see the second test
    "models/unit.yml": """
        unit_tests:
          - name: upper_names
            model: wide
            given:
              - input: ref('stg')
                rows: [{id: 1, name: a}]
            expect:
              rows: [{id: 1, name: A}]
        """,
}


@pytest.fixture(autouse=True)
def patient(monkeypatch):
    monkeypatch.setattr(spares, "WORTH_SECONDS", 600.0)  # the spare, however slow the machine


def published(root: Path) -> StoredState:
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return states.read_state(con)
    finally:
        con.close()


def stamped(root: Path) -> StoredState:
    with open(root / "target" / states.STAMP_NAME, "rb") as handle:
        return pickle.loads(pickle.load(handle)[1])[0]  # (identity, body: state, signatures)


def ok(root: Path) -> None:
    result, out = build(root)
    assert result.published, out


def test_the_stamp_holds_the_state_the_file_holds_after_each_kind_of_build(make_project,
                                                                            monkeypatch):
    root = make_project(FILES)  # (no unit test: see the next test)
    ok(root)  # first build: the table is made, the state read in full
    assert stamped(root) == published(root)
    derived = []
    real = states.state_after
    monkeypatch.setattr(states, "state_after",
                        lambda *a: derived.append(1) or real(*a))
    (root / "models/wide.sql").write_text("{{ config(materialized='table') }}\n"
                                          "select id, upper(name) as name from "
                                          "{{ ref('stg') }} where id > 0", encoding="utf-8")
    ok(root)  # from the spare: rows deleted at connect, a model and its tests rewritten
    (root / "models/gone.sql").unlink()  # a node left the project: its row is dropped
    (root / "seeds/people.csv").write_text("id,name\n1,An\n2,Binh\n3,Chi\n",
                                           encoding="utf-8")
    ok(root)  # a seed and everything downstream
    assert len(derived) == 2  # worked out from the delta each time, not read again
    final = published(root)
    assert stamped(root) == final
    assert "model.gone" not in final.nodes and "model.wide" in final.nodes
    assert all(s.built_at is not None for s in final.nodes.values())


def test_the_relations_a_build_leaves_are_its_catalogs_read_once(make_project, monkeypatch):
    """The published state's relations are the session's catalog (read once, at connect,
    kept current by what the engine builds), not the file read again: a view become a
    table, a new model, a seed loaded again and a test's stored failures all leave the
    relations the file holds. (An incremental step or a hook reads the state again: the
    test above.)"""
    files = {**FILES, "models/schema.yml": """
        models:
          - name: wide
            columns:
              - name: id
                data_tests: [unique, not_null]
              - name: name
                data_tests:
                  - not_null:
                      config: {store_failures: true}
        """}
    root = make_project(files)
    ok(root)
    reads, derived = [], []
    real_kinds, real_after = states.read_kinds, states.state_after
    monkeypatch.setattr(states, "read_kinds", lambda con: reads.append(1) or real_kinds(con))
    monkeypatch.setattr(states, "state_after", lambda *a: derived.append(1) or real_after(*a))
    (root / "models/stg.sql").write_text("{{ config(materialized='table') }}\n"
                                         "select id, name from {{ ref('people') }}",
                                         encoding="utf-8")
    (root / "models/added.sql").write_text("select 1 as one", encoding="utf-8")
    (root / "seeds/people.csv").write_text("id,name\n1,An\n2,Binh\n3,Chi\n",
                                           encoding="utf-8")
    ok(root)
    assert (len(reads), len(derived)) == (1, 1)
    final = published(root)
    assert stamped(root) == final
    assert {("main", "added"), ("main", "stg")} <= final.relations
    assert any("not_null" in name for _schema, name in final.relations)


HOOK = {"models/hooked.sql": "{{ config(materialized='table', post_hook='create or replace "
                             "table side as select 1 as x') }}\nselect * from {{ ref('wide') }}"}


@pytest.mark.parametrize("extra", [UNIT_TEST, HOOK], ids=["unit test", "hook"])
def test_a_build_that_ran_a_statement_of_its_own_reads_the_state_again(make_project,
                                                                        monkeypatch, extra):
    root = make_project({**FILES, **extra})
    ok(root)
    (root / "models/wide.sql").write_text("{{ config(materialized='table') }}\n"
                                          "select id, upper(name) as name from "
                                          "{{ ref('stg') }} where id > 0", encoding="utf-8")
    monkeypatch.setattr(states, "state_after", lambda *a: pytest.fail("not provable"))
    ok(root)
    assert stamped(root) == published(root)


def test_times_read_as_numbers_are_the_times_stored(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("set TimeZone = 'America/Sao_Paulo'")
    row = NodeState("model.a", "f", "l", "main.a", "success", None, "")
    states.write_state(con, [row], ["model.a"])
    got = states.read_state(con).nodes["model.a"]
    (direct,) = con.execute("select built_at from _warehouse.node_state").fetchone()
    assert got.built_at == direct and got.built_at.utcoffset() is not None
    assert got == NodeState("model.a", "f", "l", "main.a", "success", None, "", direct)


def test_write_state_touches_only_the_rows_that_change(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    rows = [NodeState(f"model.m{i}", f"f{i}", f"l{i}", f"main.m{i}") for i in range(5)]
    states.write_state(con, rows, [r.unique_id for r in rows])
    before = states.read_state(con)
    changed = NodeState("model.m1", "new", "l1", "main.m1")
    written = states.write_state(con, [changed], ["model.m0", "model.m1", "model.m2"])
    assert written is not None and written[0] == {"model.m1", "model.m3", "model.m4"}
    after = states.read_state(con)
    assert states.state_after(before, written, after.relations) == after
    assert sorted(after.nodes) == ["model.m0", "model.m1", "model.m2"]
    assert after.nodes["model.m1"].fingerprint == "new"


def test_the_stamp_is_read_again_when_another_process_replaced_it(tmp_path):
    stamp, identity = tmp_path / "stamp", (1, 2, 3, 4, 5)
    first = StoredState({"model.a": NodeState("model.a", "f1", "l1")}, exists=True)
    second = StoredState({"model.a": NodeState("model.a", "f2", "l2")}, exists=True)
    states.write_stamp(stamp, identity, first, {"main.s": "x"})
    assert states.read_stamp(stamp, identity) == first
    other = tmp_path / "other"
    other.write_bytes(pickle.dumps((identity, states.stamp_body(second, {}))))
    os.replace(other, stamp)  # as write_atomic does, in another process
    assert states.read_stamp(stamp, identity) == second
    assert states.stamp_signatures(stamp, identity) == {}
    assert states.read_stamp(stamp, (9, 9, 9, 9, 9)) is None


def test_a_stamp_made_ahead_keeps_the_signatures_already_remembered(tmp_path):
    """The body a build pickles while DuckDB checkpoints (workspace.publish) stands only
    when nothing else is remembered for the file; else it is made again with both."""
    stamp, identity = tmp_path / "stamp", (1, 2, 3, 4, 5)
    first = StoredState({"model.a": NodeState("model.a", "f1", "l1")}, exists=True)
    second = StoredState({"model.a": NodeState("model.a", "f2", "l2")}, exists=True)
    states.write_stamp(stamp, identity, first, {"main.s": "x"})
    body = states.stamp_body(second, {"main.t": "y"})
    states.write_stamp(stamp, identity, second, {"main.t": "y"}, body)
    assert states.stamp_signatures(stamp, identity) == {"main.s": "x", "main.t": "y"}
    states._last_stamp = None  # (as another process reads it)
    assert states.read_stamp(stamp, identity) == second
    assert states.stamp_signatures(stamp, identity) == {"main.s": "x", "main.t": "y"}
    states.write_stamp(stamp, (6, 7, 8, 9, 10), first, {}, states.stamp_body(first, {}))
    states._last_stamp = None
    assert states.read_stamp(stamp, (6, 7, 8, 9, 10)) == first
    assert states.read_stamp(stamp, identity) is None


def test_what_runs_meanwhile_returns_or_raises_to_the_caller():
    from warehouse.core.background import meanwhile as _meanwhile

    assert _meanwhile(sum, [1, 2])() == 3
    with pytest.raises(ZeroDivisionError):
        _meanwhile(lambda: 1 / 0)()


def test_an_interrupt_while_waiting_lets_the_thread_finish_first():
    """Ctrl-C while the work file checkpoints on its thread: the interrupt is raised once
    the checkpoint is done, as it was when it ran on the build's own thread (the cleanup
    that follows removes the work file)."""
    import signal
    import threading

    from warehouse.core.background import meanwhile as _meanwhile

    done, release = [], threading.Event()

    def checkpoint() -> None:
        release.wait(5)
        done.append(True)

    def interrupt(*_: object) -> None:
        threading.Timer(0.2, release.set).start()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        waiting = _meanwhile(checkpoint)
        with pytest.raises(KeyboardInterrupt):
            signal.setitimer(signal.ITIMER_REAL, 0.2)  # (well after the wait begins)
            waiting()
        assert done == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("command", sorted(KINDS_BY_COMMAND))
def test_selecting_everything_picks_what_the_selectors_pick(make_project, command):
    project = load_project(make_project({**FILES, **UNIT_TEST}))
    options = RunOptions(command=command)
    assert select_nodes(project, options) == _select_by_terms(project, options, None, None)
    assert select_nodes(project, options) or command == "snapshot"  # (none in FILES)


def test_what_is_left_alone_is_reported_as_the_stored_state_says(make_project):
    from warehouse.adapters.target import adapter_for
    from warehouse.run.plan import built_relation, not_run, plan_for

    root = make_project({**FILES, **UNIT_TEST})
    ok(root)
    project = load_project(root)
    options = RunOptions(command="build")
    order = select_nodes(project, options)
    stored = adapter_for(project.config, None).published_state()
    plan = plan_for(project, options, order, stored)
    assert plan.nothing_to_do and set(plan.reused) | plan.unchanged == set(order)
    for node_id in order:
        result, node = not_run(project, node_id, plan), project.nodes[node_id]
        if node_id in plan.reused:
            row = stored.nodes[str(node_id)]
            assert (result.status, result.failures) == (row.status, row.failures)
            assert result.detail == {"reused": True} and plan.reused[node_id] == row
        else:
            relation = built_relation(node)
            assert result.status == "unchanged"
            assert result.relation == (str(relation) if relation else None)


PACKAGED = {  # a dbt project with an installed package
    "dbt_project.yml": "name: shop\nprofile: shop\n",
    "profiles.yml": "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                    "      path: shop.duckdb\n",
    "dbt_packages/mypkg/dbt_project.yml": "name: mypkg\nversion: '1.0.0'\n",
    "dbt_packages/mypkg/models/pkg_m.sql": "select 1 as id",
    "dbt_packages/mypkg/models/deep/pkg_d.sql": "select id from {{ ref('pkg_m') }}",
    "models/mine.sql": "select id from {{ ref('pkg_d') }}",
    "models/schema.yml": "models:\n  - name: mine\n    columns:\n      - name: id\n"
                         "        data_tests: [unique]\n",
}


def test_dbt_ids_worked_out_per_folder_are_each_nodes_own(make_project, monkeypatch):
    from warehouse.run import dbt_ids

    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    root = make_project(PACKAGED)
    (root / "pyproject.toml").unlink(missing_ok=True)
    project = load_project(root)
    ids = dbt_ids.id_map(project)
    assert ids == {n: dbt_ids.unique_id(project, node) for n, node in project.nodes.items()}
    assert any(uid.startswith("model.mypkg.") for uid in ids.values())
    assert any(uid.startswith("model.shop.") for uid in ids.values())


def test_the_spares_rows_match_only_when_every_field_is_the_same(tmp_path):
    from dataclasses import replace

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    rows = [NodeState(f"model.m{i}", f"f{i}", f"l{i}", f"main.m{i}") for i in range(4)]
    rows.append(NodeState("test.t", "ft", "lt", None, "warn", 2, "2 rows"))
    states.write_state(con, rows, [r.unique_id for r in rows])
    stored = states.read_state(con).nodes
    expected = {k: v for k, v in stored.items() if k != "model.m3"}
    found = states.matching_state(con, expected, {"model.m3"})
    assert found is not None and found.nodes == expected and found.exists
    assert found.relations == frozenset(states.read_kinds(con))
    assert states.matching_state(con, expected, set()) is None  # a row more than expected
    fewer = {k: v for k, v in expected.items() if k != "model.m0"}
    assert states.matching_state(con, fewer, {"model.m3"}) is None
    later = stored["test.t"].built_at.replace(microsecond=stored["test.t"].built_at.microsecond
                                              ^ 1)
    for change in ({"fingerprint": "x"}, {"local_fingerprint": "x"}, {"relation": "x"},
                   {"status": "pass"}, {"failures": 3}, {"message": "x"},
                   {"built_at": later}):
        other = {**expected, "test.t": replace(expected["test.t"], **change)}
        assert states.matching_state(con, other, {"model.m3"}) is None, change
    states.delete_rows(con, {"model.m3", "model.m1"})
    assert sorted(states.read_state(con).nodes) == ["model.m0", "model.m2", "test.t"]


def _plans_and_statuses(root: Path, monkeypatch) -> tuple[int, dict[str, str]]:
    """The plans a build (as the command line runs it) makes, and its statuses."""
    import json

    from warehouse import cli
    from warehouse.run import runner

    made = []
    real = runner.plan_for
    monkeypatch.setattr(runner, "plan_for", lambda *a, **k: made.append(1) or real(*a, **k))
    assert cli.main(["build", "--project-dir", str(root)]) == 0
    monkeypatch.setattr(runner, "plan_for", real)
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    ours = [r["adapter_response"]["warehouse"] for r in results]
    return len(made), {r["node"]: r["status"] for r in ours}


def test_an_edited_model_is_planned_in_the_workspace_only(make_project, monkeypatch, capsys):
    """An edit that changes a model's own fingerprint runs it for certain: the plan a build
    makes before opening its workspace, to tell "nothing to do", is not made."""
    root = make_project(FILES)
    assert _plans_and_statuses(root, monkeypatch)[0] >= 1
    Path(root, "models/other.sql").write_text("select 43 as answer")
    _plans_and_statuses(root, monkeypatch)  # (its build leaves a spare: plans from it differ)
    assert spares.spare_path(root / "warehouse.duckdb").exists()
    Path(root, "models/wide.sql").write_text(
        "{{ config(materialized='table') }}\nselect id, lower(name) as name from "
        "{{ ref('stg') }}")
    plans, statuses = _plans_and_statuses(root, monkeypatch)
    assert plans == 1
    assert statuses["model.wide"] == "success" and statuses["model.stg"] == "unchanged"
    Path(root, "models/wide.sql").write_text(  # a comment: nothing to do, said before it
        "{{ config(materialized='table') }}\n-- lower case\nselect id, lower(name) as name "
        "from {{ ref('stg') }}")
    before = os.stat(root / "warehouse.duckdb").st_ino
    plans, statuses = _plans_and_statuses(root, monkeypatch)
    assert plans == 1 and set(statuses.values()) <= {"unchanged", "pass"}
    assert os.stat(root / "warehouse.duckdb").st_ino == before  # not published again
