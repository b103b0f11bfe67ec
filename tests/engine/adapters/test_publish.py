"""Write-audit-publish with real processes: readers, kill -9, failures, concurrent builds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.adapters.duckdb.workcopy import WorkingCopy, finish
from warehouse.core.errors import ProjectError


def child(code: str) -> subprocess.Popen:
    """A Python process running `code`, talking line by line over stdin/stdout."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def ask(proc: subprocess.Popen, line: str = "") -> str:
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        stream.close()


def cycle(published: Path, sql: str, keep_failed_as: Path | None = None) -> None:
    with WorkingCopy(published, keep_failed_as=keep_failed_as) as wc:
        con = duckdb.connect(str(wc.path))
        con.execute(sql)
        finish(con)
        wc.publish()


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def neighbours(published: Path) -> list[str]:
    return sorted(p.name for p in published.parent.iterdir())


@pytest.fixture
def published(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    cycle(path, "create table t as select 1 as v; create table kept as select 'old' as s")
    return path


def test_first_cycle_creates_the_published_file_and_leaves_nothing_beside_it(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    cycle(path, "create table t as select 42 as v")
    assert query(path, "select v from t") == [(42,)]
    assert neighbours(path) == ["warehouse.duckdb"], "no .work, .wal or .lock left behind"


def test_reader_keeps_its_view_while_a_build_publishes(published):
    reader = child(f"""
        import sys, duckdb
        con = duckdb.connect({str(published)!r}, read_only=True)
        for line in sys.stdin:
            print(con.execute('select sum(v), count(*) from t').fetchall()[0], flush=True)
        """)
    try:
        assert ask(reader) == "(1, 1)"
        # The whole cycle runs while the reader holds the file open read-only.
        with WorkingCopy(published) as wc:
            con = duckdb.connect(str(wc.path))
            assert con.execute("select s from kept").fetchall() == [("old",)], "copied in"
            con.execute("create or replace table t as select range as v from range(1, 6)")
            assert ask(reader) == "(1, 1)", "the reader never sees the work file"
            finish(con)
            wc.publish()
        assert ask(reader) == "(1, 1)", "after the swap the reader keeps its consistent view"
        assert reader.poll() is None
    finally:
        stop(reader)
    fresh = child(f"""
        import duckdb
        con = duckdb.connect({str(published)!r}, read_only=True)
        print(con.execute('select sum(v), count(*) from t').fetchall()[0])
        print(con.execute('select s from kept').fetchall()[0][0], flush=True)
        """)
    try:
        out, err = fresh.communicate(timeout=60)
    finally:
        stop(fresh)
    assert out.split() == ["(15,", "5)", "old"], err
    assert neighbours(published) == ["warehouse.duckdb"]


def test_kill_9_while_writing_the_work_file_leaves_the_published_file_intact(published):
    before = published.read_bytes()
    writer = child(f"""
        import duckdb
        from warehouse.adapters.duckdb.workcopy import WorkingCopy
        with WorkingCopy({str(published)!r}) as wc:
            con = duckdb.connect(str(wc.path))
            con.execute('create or replace table t as select 666 as v')
            print('writing', flush=True)
            for i in range(1_000_000):
                con.execute(f'create table big_{{i}} as select * from range(200000)')
            wc.publish()
        """)
    try:
        assert writer.stdout.readline().strip() == "writing", writer.stderr.read()
        work = published.with_name(published.name + ".work")
        deadline = time.time() + 30
        while time.time() < deadline and work.stat().st_size < 4 << 20:
            time.sleep(0.05)
        assert work.stat().st_size >= 4 << 20, "the writer got going"
        writer.kill()  # SIGKILL: no cleanup runs
        writer.wait(timeout=30)
    finally:
        stop(writer)
    assert published.read_bytes() == before
    assert work.exists(), "the killed build left its work file behind"
    cycle(published, "create or replace table t as select 2 as v")
    assert query(published, "select v from t") == [(2,)]
    tables = {r[0] for r in query(published, "select table_name from duckdb_tables()")}
    assert tables == {"t", "kept"}, "nothing of the killed build survives"
    assert neighbours(published) == ["warehouse.duckdb"]


def test_failed_cycle_keeps_the_published_file_and_the_failed_work_for_inspection(
        published, tmp_path):
    before = published.read_bytes()
    kept = tmp_path / "target" / "failed_build.duckdb"
    with pytest.raises(RuntimeError, match="model broke"):
        with WorkingCopy(published, keep_failed_as=kept) as wc:
            con = duckdb.connect(str(wc.path))
            con.execute("create or replace table t as select 99 as v")
            con.close()
            raise RuntimeError("model broke")
    assert published.read_bytes() == before
    assert query(kept, "select v from t") == [(99,)]
    assert neighbours(published) == ["target", "warehouse.duckdb"]
    # Leaving the block without publish() discards too; without keep_failed_as it deletes.
    with WorkingCopy(published) as wc:
        con = duckdb.connect(str(wc.path))
        con.execute("create or replace table t as select 7 as v")
        con.close()
    assert published.read_bytes() == before
    assert neighbours(published) == ["target", "warehouse.duckdb"]


def test_second_concurrent_build_gets_a_clear_lock_error(published):
    first = child(f"""
        import os, sys
        from warehouse.adapters.duckdb.workcopy import WorkingCopy
        with WorkingCopy({str(published)!r}) as wc:
            print(os.getpid(), flush=True)
            sys.stdin.readline()
        print('released', flush=True)
        """)
    try:
        pid = first.stdout.readline().strip()
        assert pid.isdigit(), first.stderr.read()
        with pytest.raises(ProjectError) as info:
            WorkingCopy(published).open()
        text = str(info.value)
        assert "another build holds the lock on warehouse.duckdb" in text
        assert f"pid {pid}" in text
        assert ask(first) == "released"
    finally:
        stop(first)
    cycle(published, "create or replace table t as select 3 as v")
    assert query(published, "select v from t") == [(3,)]


def test_publish_refuses_while_a_connection_to_the_work_file_is_open(published):
    before = published.read_bytes()
    with WorkingCopy(published) as wc:
        con = duckdb.connect(str(wc.path))
        con.execute("create or replace table t as select 5 as v")
        with pytest.raises(ProjectError, match="still open"):
            wc.publish()
        con.close()
        assert published.read_bytes() == before
        wc.publish()
    assert query(published, "select v from t") == [(5,)]


def test_a_working_copy_is_used_once(published):
    wc = WorkingCopy(published)
    with wc:
        wc.discard(keep=False)
    with pytest.raises(ProjectError, match="already used"):
        wc.open()
