"""Nodes committed together (run/commits.py) leave and report what nodes committed alone do.

Each build here runs twice, with groups and without, and the two must print the same
lines and leave the same tables, also when a model in the middle of a group fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from wh_helpers import build, write_files

from warehouse.adapters.duckdb.adapter import DuckDBSession
from warehouse.run import commits, runner

FILES = {
    "pyproject.toml": "[tool.warehouse]\nthreads = 1\n",
    "models/a.sql": "{{ config(materialized='table') }}\n"
                    "select * from (values (1, 'x'), (2, 'y')) t(id, name)",
    "models/b.sql": "{{ config(materialized='table') }}\nselect id * 10 as id from {{ ref('a') }}",
    "models/c.sql": "{{ config(materialized='table') }}\nselect id, 'old' as version "
                    "from {{ ref('a') }}",
    "models/d.sql": "select id from {{ ref('b') }}",
    "models/e.sql": "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('d') }}",
    "models/schema.yml": """
        models:
          - name: a
            columns:
              - name: id
                data_tests: [unique, not_null]
          - name: b
            columns:
              - name: id
                data_tests: [unique]
        """,
}
A_THREE = ("{{ config(materialized='table') }}\n"
           "select * from (values (1, 'x'), (2, 'y'), (3, 'z')) t(id, name)")
BROKEN_C = ("{{ config(materialized='table') }}\n"
            "select id, cast(name as integer) as version from {{ ref('a') }}")


def _without_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    original = runner.CommitGroups
    monkeypatch.setattr(runner, "CommitGroups", lambda enabled, again: original(False, again))


def _spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"begin_group": 0, "commit_group": 0, "rollback_group": 0}
    for name in calls:
        original = getattr(DuckDBSession, name)

        def counted(self, _name=name, _original=original):
            calls[_name] += 1
            return _original(self)

        monkeypatch.setattr(DuckDBSession, name, counted)
    return calls


def _lines(out: str) -> list[str]:
    return [re.sub(r"in \d+\.\d+s", "in _s", line) for line in out.splitlines()]


def _tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and table_name not like '%warehouse%' order by 1").fetchall()]
        return {n: con.execute(f"select * from main.{n} order by all").fetchall()
                for n in names}
    finally:
        con.close()


def _two_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, str]):
    """Build FILES, then with `change`; with and without groups. What each second build
    printed, and the tables of the file it left (published, or kept when it failed)."""
    seen = []
    for grouped in (True, False):
        root = write_files(tmp_path / f"grouped_{grouped}", FILES)
        with monkeypatch.context() as patch:
            if not grouped:
                _without_groups(patch)
            calls = _spy(patch)
            build(root)
            write_files(root, change)
            result, out = build(root)
        left = root / "warehouse.duckdb" if result.published else (
            root / "target" / "failed_build.duckdb")
        seen.append((_lines(out.replace(str(root), "ROOT")), _tables(left), calls, result))
    return seen


def test_a_build_with_groups_prints_and_leaves_what_one_without_them_does(tmp_path,
                                                                           monkeypatch):
    (grouped, alone) = _two_builds(tmp_path, monkeypatch, {
        "models/b.sql": "{{ config(materialized='table') }}\n"
                        "select id * 100 as id from {{ ref('a') }}"})
    assert grouped[0] == alone[0] and grouped[1] == alone[1]
    assert grouped[1]["b"] == [(100,), (200,)]
    assert grouped[2]["begin_group"] >= 1 and grouped[2]["rollback_group"] == 0
    assert alone[2]["begin_group"] == 0


def test_a_model_failing_inside_a_group_is_left_as_it_was_and_the_rest_is_built(
        tmp_path, monkeypatch):
    (grouped, alone) = _two_builds(tmp_path, monkeypatch,
                                   {"models/a.sql": A_THREE, "models/c.sql": BROKEN_C})
    assert grouped[2]["rollback_group"] == 1  # the failure was inside a group
    assert not grouped[3].published
    assert grouped[0] == alone[0] and grouped[1] == alone[1]
    assert grouped[1]["c"] == [(1, "old"), (2, "old")]  # as the first build left it
    assert grouped[1]["e"] == [(3,)]  # built after the failure, from what the group built
    statuses = {r.node_id.name: r.status for r in grouped[3].results}
    assert statuses["c"] == "error" and statuses["e"] == "success"


def test_a_node_on_a_cursor_of_its_own_sees_what_the_group_built(make_project):
    root = make_project({
        "pyproject.toml": "[tool.warehouse]\nthreads = 1\n",
        "models/a.sql": "{{ config(materialized='table') }}\nselect 1 as id",
        "models/b.sql": "{{ config(materialized='table', pre_hook=\"create or replace table "
                        "main.seen as select count(*) as n from main.a\") }}\n"
                        "select * from {{ ref('a') }}",
    })
    result, _out = build(root)
    assert result.published
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select n from main.seen").fetchall() == [(1,)]
    finally:
        con.close()


def test_a_member_that_gives_another_result_when_run_again_is_said(tmp_path, monkeypatch):
    root = write_files(tmp_path / "p", FILES)
    build(root)
    write_files(root, {"models/a.sql": A_THREE, "models/c.sql": BROKEN_C})
    original, runs = runner.run_node, {"b": 0}

    def run_node(project, node, *args, **kwargs):
        result = original(project, node, *args, **kwargs)
        if node.id.name == "b":
            runs["b"] += 1
            if runs["b"] == 2:  # the second run of b: as if its SQL gave other rows
                from dataclasses import replace

                return replace(result, rows=(result.rows or 0) + 1)
        return result

    monkeypatch.setattr(runner, "run_node", run_node)
    monkeypatch.setattr(commits, "MAX_NODES", 1000)
    monkeypatch.setattr(commits, "MAX_SECONDS", 1000.0)
    result, out = build(root)
    assert not result.published
    failed = {r.node_id.name: r for r in result.results}["c"]
    assert failed.status == "error"
    assert "model.b ran again after a failure in its commit group and gave success (4 rows) " \
           "where it first gave success (3 rows)" in failed.message
    assert "does not give the same result twice" in out


def test_a_refused_commit_runs_the_group_again_node_by_node(tmp_path, monkeypatch):
    from warehouse.adapters.base import DatabaseError

    root = write_files(tmp_path / "p", FILES)
    original, refused = DuckDBSession.commit_group, []

    def commit_group(self):
        if not refused:
            refused.append(True)
            raise DatabaseError("could not write: disk full")
        return original(self)

    monkeypatch.setattr(DuckDBSession, "commit_group", commit_group)
    calls = _spy(monkeypatch)
    result, _out = build(root)
    assert refused and calls["rollback_group"] == 1
    assert result.published and {r.status for r in result.results} == {"success", "pass"}
    assert _tables(root / "warehouse.duckdb")["e"] == [(2,)]
