"""A build that starts from the file the last build replaced (adapters/duckdb/spare.py).

Each test builds a small project three times or more, so that the spare (the
file published two builds ago) differs from the published file, then checks
the tables against what a build from a copy gives, whether the copy happened
(`shutil.copyfile` to the work path, counted), and what was left beside.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from wh_helpers import build, rows

from warehouse.adapters.duckdb import spare as spares

FILES = {
    "models/a.sql": "select 1 as id",
    "models/b.sql": "{{ config(materialized='table') }}\nselect id + 1 as id from {{ ref('a') }}",
    "models/c.sql": "{{ config(materialized='table') }}\nselect id * 10 as id from {{ ref('a') }}",
    "models/schema.yml": """
        models:
          - name: b
            columns:
              - name: id
                tests: [not_null]
    """,
}
TABLES = "select (select id from a), (select id from b), (select id from c)"


@pytest.fixture(autouse=True)
def patient(monkeypatch):
    """A loaded machine may take seconds to build these projects: the spare is still worth
    it (the "too slow" case below says what happens when it is not)."""
    monkeypatch.setattr(spares, "WORTH_SECONDS", 600.0)


def write(root: Path, name: str, sql: str) -> None:
    (root / "models" / f"{name}.sql").write_text(sql, encoding="utf-8")


def ok(root: Path, **options) -> str:
    result, out = build(root, **options)
    assert result.published, out
    return out


def inode(path: Path) -> int:
    return path.stat().st_ino


@pytest.fixture
def project(make_project) -> Path:
    """Built twice: a = 2 published, the spare (a = 1) beside it, noting a, b, c."""
    root = make_project(FILES)
    ok(root)
    write(root, "a", "select 2 as id")
    ok(root)
    assert rows(root, TABLES) == [(2, 3, 20)]
    return root


def test_a_build_starts_from_the_spare_and_runs_what_it_lacks(project, copies):
    db = project / "warehouse.duckdb"
    spare_inode = inode(spares.spare_path(db))
    write(project, "c", "{{ config(materialized='table') }}\nselect id * 100 as id "
                        "from {{ ref('a') }}")
    out = ok(project)
    assert copies == [] and inode(db) == spare_inode, "the spare became the published file"
    # a and b were rebuilt (the spare had a = 1, b = 2), c for its own change.
    assert rows(project, TABLES) == [(2, 3, 200)]
    assert "OK=3" in out
    record = json.loads(spares.record_path(db).read_text())
    assert record["rebuild"] == ["model.a", "model.b", "model.c", "test.not_null_b_id"]
    # The next build starts from the file published before: its rows match again.
    write(project, "b", "{{ config(materialized='table') }}\nselect id + 5 as id "
                        "from {{ ref('a') }}")
    ok(project)
    assert copies == [] and rows(project, TABLES) == [(2, 7, 200)]
    assert (rows(project, "select count(*) from _warehouse.node_state")
            == [(4,)])


def test_what_a_build_runs_again_does_not_grow_edit_after_edit(project, copies):
    """A node the last build ran only because its spare lacked it is in the spare as the
    published file has it (same fingerprint): its row is put back, it does not run again.
    Before, each build ran again all the last one had run, growing with every edit."""
    def ran(result) -> set[str]:
        return {str(r.node_id) for r in result.results if r.status != "unchanged"
                and not r.detail.get("reused")}

    write(project, "c", "{{ config(materialized='table') }}\nselect id * 100 as id "
                        "from {{ ref('a') }}")
    result, _out = build(project)  # the spare (a = 1) lacked a, b, c and b's test
    assert ran(result) == {"model.a", "model.b", "model.c", "test.not_null_b_id"}
    write(project, "c", "{{ config(materialized='table') }}\nselect id * 1000 as id "
                        "from {{ ref('a') }}")
    result, _out = build(project)  # the spare now has a = 2, b = 3 as published
    assert ran(result) == {"model.c"}
    assert copies == [] and rows(project, TABLES) == [(2, 3, 2000)]
    query = ("select unique_id, fingerprint, relation, status, built_at "
             "from _warehouse.node_state order by 1")
    kept = dict((r[0], r) for r in rows(project, query))
    write(project, "b", "{{ config(materialized='table') }}\nselect id + 5 as id "
                        "from {{ ref('a') }}")
    result, _out = build(project)  # from the file before: c is the one it lacks
    assert ran(result) == {"model.b", "model.c", "test.not_null_b_id"}
    assert copies == [] and rows(project, TABLES) == [(2, 7, 2000)]
    assert dict((r[0], r) for r in rows(project, query))["model.a"] == kept["model.a"]


def test_the_tables_equal_a_build_that_copied(project, make_project, copies):
    other = make_project(FILES, name="copied")
    for root in (project, other):
        write(root, "a", "select 2 as id")
        write(root, "c", "{{ config(materialized='table') }}\nselect id - 1 as id "
                         "from {{ ref('a') }}")
    ok(other)  # built once from nothing: no spare
    ok(project)
    assert copies == []
    query = ("select unique_id, fingerprint, relation, status from _warehouse.node_state "
             "order by 1")
    assert rows(project, query) == rows(other, query)
    assert rows(project, TABLES) == rows(other, TABLES) == [(2, 3, 1)]


def test_a_reader_in_another_process_keeps_its_view_and_the_build_copies(project, copies):
    db = project / "warehouse.duckdb"
    shutil.copyfile(db, project / "before.duckdb")
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(db)!r}, read_only=True)
            print(con.execute("select id from a").fetchall(), flush=True)
            sys.stdin.readline()
            print(con.execute("{TABLES}").fetchall(), flush=True)
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "[(2,)]"
        write(project, "a", "select 3 as id")
        ok(project)  # the reader's file is now the spare
        copies.clear()
        write(project, "a", "select 4 as id")
        ok(project)
        assert copies, "a read-only connection holds the spare: the build copied"
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "[(2, 3, 20)]"
    finally:
        reader.kill()
        reader.wait()
    assert rows(project, TABLES) == [(4, 5, 40)]


def test_a_reader_in_this_process_is_seen_too(project, copies):
    db = project / "warehouse.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        write(project, "a", "select 3 as id")
        ok(project)  # `con` now reads the spare
        copies.clear()
        write(project, "a", "select 4 as id")
        ok(project)
        assert copies
        assert con.execute(TABLES).fetchall() == [(2, 3, 20)]
    finally:
        con.close()


def test_a_write_to_the_published_file_is_never_lost(project, copies):
    """An outside loader writing into the published file: the spare lacks its rows."""
    con = duckdb.connect(str(project / "warehouse.duckdb"))
    con.execute("create table loaded as select 42 as x")
    con.close()
    write(project, "c", "select 7 as id")
    ok(project)
    assert copies
    assert rows(project, "select x from loaded") == [(42,)]


def test_a_selection_that_leaves_out_what_the_spare_lacks_copies(project, copies):
    write(project, "c", "{{ config(materialized='table') }}\nselect id * 100 as id "
                        "from {{ ref('a') }}")
    ok(project, select=("c",))
    assert copies, "a and b are not selected: the spare's a = 1 must not be published"
    assert rows(project, TABLES) == [(2, 3, 200)]


def test_a_spare_whose_rows_differ_from_the_record_is_not_used(project, copies):
    db = project / "warehouse.duckdb"
    record = json.loads(spares.record_path(db).read_text())
    record["rebuild"].remove("model.b")  # b's row in the spare is not the published one
    spares.record_path(db).write_text(json.dumps(record))
    write(project, "c", "select 7 as id")
    ok(project)
    assert copies and rows(project, TABLES) == [(2, 3, 7)]


@pytest.mark.parametrize("change", ["duckdb version", "engine version", "spare written",
                                    "too slow", "no record"])
def test_in_doubt_the_build_copies(project, copies, change):
    db = project / "warehouse.duckdb"
    record = json.loads(spares.record_path(db).read_text())
    if change == "duckdb version":
        record["duckdb"] = "0.9.0"
    elif change == "engine version":
        record["engine"] = "0.0.1"
    elif change == "too slow":
        record["seconds"] = 3600
    spares.record_path(db).write_text(json.dumps(record))
    if change == "spare written":
        con = duckdb.connect(str(spares.spare_path(db)))
        con.execute("create table stray as select 1 as x")
        con.close()
    elif change == "no record":
        spares.record_path(db).unlink()
    write(project, "c", "select 7 as id")
    ok(project)
    assert copies and rows(project, TABLES) == [(2, 3, 7)]
    assert "stray" not in str(rows(project, "select table_name from duckdb_tables()"))


@pytest.mark.parametrize("other_name", ["hard link", "symbolic link"])
def test_a_file_with_another_name_is_never_written_in_place(make_project, copies, other_name):
    """A backup tool's hard link to the published file, or a database path that is a
    symbolic link: the file the build replaces must not become a spare written in place."""
    root = make_project(FILES)
    db = root / "warehouse.duckdb"
    if other_name == "symbolic link":
        ok(root)
        db.rename(root / "real.duckdb")
        db.symlink_to(root / "real.duckdb")
        write(root, "a", "select 2 as id")
        ok(root)  # the link is replaced by the new file; the old one must not be the spare
        assert not spares.spare_path(db).exists()
        other = root / "real.duckdb"
    else:
        ok(root)
        other = root / "backup.duckdb"
        other.hardlink_to(db)  # (one made after the swap changes the spare's ctime: copies)
        write(root, "a", "select 2 as id")
        ok(root)
        assert not spares.spare_path(db).exists()
    before = other.read_bytes()
    copies.clear()
    write(root, "c", "select 7 as id")
    ok(root)
    assert copies and rows(root, TABLES) == [(2, 3, 7)]
    assert other.read_bytes() == before


@pytest.mark.parametrize("files", [
    {"models/inc.sql": "{{ config(materialized='incremental') }}\nselect 1 as id"},
    {"snapshots/snap.sql": """
        {% snapshot snap %}
        {{ config(target_schema='main', unique_key='id', strategy='check',
                  check_cols=['id']) }}
        select 1 as id
        {% endsnapshot %}
    """},
    {"models/hooked.sql": "{{ config(post_hook='create table if not exists side as "
                          "select 1 as x') }}\nselect id from {{ ref('a') }}"},
], ids=["incremental", "snapshot", "hook"])
def test_a_build_that_wrote_what_a_rerun_cannot_give_back_keeps_no_spare(
        make_project, files):
    root = make_project({**FILES, **{k: textwrap.dedent(v) for k, v in files.items()}})
    ok(root)
    write(root, "a", "select 2 as id")
    ok(root)
    db = root / "warehouse.duckdb"
    assert not spares.spare_path(db).exists() and not spares.record_path(db).exists()


def test_a_failed_build_from_the_spare_leaves_the_published_file(project, copies):
    db = project / "warehouse.duckdb"
    before = db.read_bytes()
    write(project, "c", "select nope from {{ ref('a') }}")
    result, out = build(project)
    assert not result.published and copies == []
    assert db.read_bytes() == before
    assert not spares.spare_path(db).exists(), "the spare became the failed build"
    write(project, "c", "select 7 as id")
    ok(project)
    assert copies and rows(project, TABLES) == [(2, 3, 7)]


def test_clean_removes_the_spare(project):
    from warehouse.adapters.duckdb.adapter import DuckDBAdapter

    db = project / "warehouse.duckdb"
    assert DuckDBAdapter(db).remove_leftovers() == ["warehouse.duckdb.spare.json",
                                                    "warehouse.duckdb.spare"]
    assert sorted(p.name for p in project.glob("warehouse.duckdb*")) == ["warehouse.duckdb"]
