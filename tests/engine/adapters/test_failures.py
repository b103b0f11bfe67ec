"""When the disk says no: full disks, I/O errors, a clean during a build, what killed runs left.

A full disk is simulated, never made: the copy, the CHECKPOINT, the fsync or
the rename raise ENOSPC (monkeypatched), or a child process runs the CLI under
a file-size limit (RLIMIT_FSIZE), so DuckDB's own writes fail as they would
on a full disk. Every test checks what a user sees (message, exit code, no
traceback) and that the published file is byte for byte what it was.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from warehouse.adapters.base import DatabaseError
from warehouse.adapters.duckdb.adapter import DuckDBSession
from warehouse.cli import main

FILES = {
    "models/a.sql": "select 1 as id",
    "models/b.sql": "{{ config(materialized='table') }}\nselect id + 1 as id from {{ ref('a') }}",
}


def enospc() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def project(make_project) -> Path:
    root = make_project(FILES)
    assert main(["build", "--project-dir", str(root)]) == 0
    return root


@pytest.fixture
def cli(capsys):
    """`warehouse COMMAND --project-dir ROOT ...` in this process (so monkeypatches apply):
    exit code, stdout, stderr."""
    def run(root: Path, command: str, *args: str) -> SimpleNamespace:
        capsys.readouterr()
        code = main([command, "--project-dir", str(root), *args])
        out, err = capsys.readouterr()
        return SimpleNamespace(code=code, out=out, err=err, text=out + err)

    return run


def beside(root: Path) -> list[str]:
    """What lies beside the published file, besides the project's own folders and the
    file it replaced, kept for the next build (adapters/duckdb/spare.py)."""
    return sorted(p.name for p in root.iterdir()
                  if p.name not in ("models", "seeds", "target", "pyproject.toml",
                                    "warehouse.duckdb.spare", "warehouse.duckdb.spare.json"))


def change_model(root: Path, sql: str = "select 2 as id") -> None:
    (root / "models" / "a.sql").write_text(sql, encoding="utf-8")


def assert_nothing_published(res: SimpleNamespace, root: Path, before: bytes) -> None:
    assert res.code == 1, res.text
    assert "Traceback" not in res.text
    assert "Nothing was published: warehouse.duckdb is unchanged" in res.err
    assert (root / "warehouse.duckdb").read_bytes() == before
    assert beside(root) == ["warehouse.duckdb"], "no work file, WAL or lock left"


def assert_next_build_publishes(cli, root: Path) -> None:
    res = cli(root, "build")
    assert res.code == 0, res.text
    import duckdb

    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select id from b").fetchall() == [(3,)]
    finally:
        con.close()
    assert beside(root) == ["warehouse.duckdb"]


# ---------------------------------------------------------------------- full disk


def test_a_full_disk_while_copying_says_how_much_room_the_build_needs(project, cli,
                                                                      monkeypatch):
    before = (project / "warehouse.duckdb").read_bytes()
    copy = shutil.copyfile

    def full(src, dst, **kwargs):
        if str(dst).endswith(".work"):
            Path(dst).write_bytes(b"half a copy")  # the disk filled up part way
            raise enospc()
        return copy(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", full)
    change_model(project)
    res = cli(project, "build")
    assert_nothing_published(res, project, before)
    assert ("could not copy warehouse.duckdb to warehouse.duckdb.work to start the build: "
            "No space left on device") in res.err
    size = len(before) / 1024
    assert re.search(rf"in {re.escape(str(project))}: the build needs about {size:.1f} KB "
                     r"there, [\d.]+ [KMGT]?B(ytes)? free", res.err), res.err
    assert "hint: make room in" in res.err
    monkeypatch.undo()
    assert_next_build_publishes(cli, project)


REFUSED = ('Could not write file "/somewhere/warehouse.duckdb.work{}": '
           'No space left on device')


@pytest.mark.parametrize("step", ["checkpoint", "state"])
def test_a_full_disk_at_checkpoint_is_a_clear_error_not_duckdbs_text(project, cli,
                                                                    monkeypatch, step):
    """DuckDB's errors as the session raises them: at the CHECKPOINT before publishing, and
    while the build stores its state (a statement of the build's own, not of a model)."""
    before = (project / "warehouse.duckdb").read_bytes()
    if step == "checkpoint":
        execute = DuckDBSession.execute

        def refuse(self, sql, params=()):
            if sql.strip().lower() == "checkpoint":
                raise DatabaseError("FATAL Error: Failed to create checkpoint because of "
                                    "error: " + REFUSED.format(""))
            return execute(self, sql, params)

        monkeypatch.setattr(DuckDBSession, "execute", refuse)
    else:
        def refuse(self, *args, **kwargs):
            raise DatabaseError("IO Error: " + REFUSED.format(".wal"))

        monkeypatch.setattr(DuckDBSession, "write_state", refuse)
    change_model(project)
    res = cli(project, "build")
    assert_nothing_published(res, project, before)
    what = " (CHECKPOINT)" if step == "checkpoint" else ""
    assert (f"error: could not write the build into warehouse.duckdb.work{what}: "
            "No space left on device\n") in res.err
    assert "FATAL" not in res.err and "IO Error" not in res.err
    assert re.search(r"the build needs about [\d.]+ [KM]B there, .* free", res.err)
    assert not (project / "target" / "failed_build.duckdb").exists()
    monkeypatch.undo()
    assert_next_build_publishes(cli, project)


@pytest.mark.parametrize("step", ["fsync", "rename"])
def test_a_full_disk_while_publishing_leaves_the_published_file_as_it_was(
        project, cli, monkeypatch, step):
    published = project / "warehouse.duckdb"
    before = published.read_bytes()
    if step == "fsync":  # delayed allocation: ext4 and XFS report a full disk here
        def refuse(fd):
            raise enospc()

        monkeypatch.setattr(os, "fsync", refuse)
    else:
        rename = os.replace

        def refuse(src, dst, **kwargs):
            if Path(dst) == published:
                raise enospc()
            return rename(src, dst, **kwargs)

        monkeypatch.setattr(os, "replace", refuse)
    change_model(project)
    res = cli(project, "build")
    assert_nothing_published(res, project, before)
    assert ("could not publish warehouse.duckdb.work as warehouse.duckdb: "
            "No space left on device") in res.err
    monkeypatch.undo()
    assert_next_build_publishes(cli, project)


LIMITED = """
    import resource, runpy, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
    sys.argv = ["warehouse", "build", "--project-dir", {root!r}]
    runpy.run_module("warehouse.cli", run_name="__main__")
"""


@pytest.mark.parametrize("room", [0.5, 1.25])
def test_duckdb_running_out_of_room_for_real_ends_without_a_traceback(project, cli, room):
    """No file may grow past `room` times the published file: the copy fails (0.5), or the
    build's own writes and CHECKPOINT do (1.25): DuckDB's real errors, wherever they hit."""
    published = project / "warehouse.duckdb"
    before = published.read_bytes()
    for i in range(40):  # each table costs the CHECKPOINT room in the file, little in the WAL
        (project / "models" / f"t{i}.sql").write_text(
            f"{{{{ config(materialized='table') }}}} select {i} as v", encoding="utf-8")
    change_model(project)
    code = textwrap.dedent(LIMITED).format(limit=int(len(before) * room), root=str(project))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "File too large" in done.stdout + done.stderr
    if room < 1:
        assert "could not copy warehouse.duckdb to warehouse.duckdb.work" in done.stderr
    assert published.read_bytes() == before
    assert beside(project) == ["warehouse.duckdb"]
    for i in range(40):
        (project / "models" / f"t{i}.sql").unlink()
    assert_next_build_publishes(cli, project)


# ---------------------------------------------------------------------- kept failed builds


def test_a_kept_failed_build_never_blocks_the_next_build(project, cli, monkeypatch):
    kept = project / "target" / "failed_build.duckdb"
    change_model(project, "select nope as id")
    res = cli(project, "build")
    assert res.code == 1 and kept.exists(), res.text
    # The disk is full with the kept build on it: only the next build removing it first
    # leaves the room its copy needs.
    copy = shutil.copyfile

    def full_while_kept(src, dst, **kwargs):
        if kept.exists():
            raise enospc()
        return copy(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", full_while_kept)
    change_model(project)
    res = cli(project, "build")
    assert res.code == 0, res.text
    assert not kept.exists()


def test_a_failed_build_is_kept_only_when_there_is_room_for_it(project, cli, monkeypatch):
    kept = project / "target" / "failed_build.duckdb"
    before = (project / "warehouse.duckdb").read_bytes()
    change_model(project, "select nope as id")
    assert cli(project, "build").code == 1 and kept.exists()
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda path: SimpleNamespace(total=1 << 30, used=1 << 30, free=4096))
    res = cli(project, "build")  # fails again, on a disk with 4 KB left
    assert res.code == 1 and "Traceback" not in res.text, res.text
    assert "note: the failed build was not kept for inspection: it takes" in res.err
    assert "has 4.0 KB free: keeping it would leave the disk full" in res.err
    assert "kept in" not in res.text
    assert not kept.exists() and not kept.with_name(kept.name + ".wal").exists()
    assert (project / "warehouse.duckdb").read_bytes() == before
    monkeypatch.undo()
    change_model(project)
    assert_next_build_publishes(cli, project)
    assert not kept.exists()


# ---------------------------------------------------------------------- clean


def test_clean_refuses_while_a_build_holds_the_lock(project, cli):
    published = project / "warehouse.duckdb"
    build = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import os, sys
            from warehouse.adapters.duckdb.workcopy import WorkingCopy
            wc = WorkingCopy({str(published)!r}).open()
            print(os.getpid(), flush=True)
            sys.stdin.readline()
            wc.close()
            """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        pid = build.stdout.readline().strip()
        assert pid.isdigit(), build.stderr.read()
        work = project / "warehouse.duckdb.work"
        assert work.exists()
        res = cli(project, "clean")
        assert res.code == 2, res.text
        assert "Traceback" not in res.text
        assert "a build is running on warehouse.duckdb" in res.err
        assert re.search(rf"\(pid {pid}, since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\)", res.err)
        assert work.exists(), "the running build keeps its work file"
        assert (project / "target").is_dir(), "clean removed nothing"
        build.communicate("\n", timeout=60)
    finally:
        if build.poll() is None:
            build.kill()
        build.wait(timeout=30)
    res = cli(project, "clean")
    assert res.code == 0, res.text
    assert not (project / "target").exists()
    assert beside(project) == ["warehouse.duckdb"]


def test_clean_removes_a_killed_builds_work_file_wal_and_spill_folder(project, cli):
    for name in ("warehouse.duckdb.work", "warehouse.duckdb.work.wal"):
        (project / name).write_bytes(b"left by kill -9")
    spill = project / "warehouse.duckdb.work.tmp"  # DuckDB's spill folder: a directory
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x")
    (project / "warehouse.duckdb.workbook.xlsx").write_bytes(b"the user's")
    res = cli(project, "clean")
    assert res.code == 0, res.text
    assert "Traceback" not in res.text
    assert beside(project) == ["warehouse.duckdb", "warehouse.duckdb.workbook.xlsx"]


# ---------------------------------------------------------------------- temp files


def test_the_next_build_removes_what_killed_runs_left(project, cli):
    target = project / "target"
    (project / "warehouse.duckdb.work").write_bytes(b"left by kill -9")
    (project / "warehouse.duckdb.work.wal").write_bytes(b"left by kill -9")
    (project / "warehouse.duckdb.work.tmp").mkdir()
    hour_ago = time.time() - 3600
    stale = ["run_results.jsonk1ll3d_1.tmp", "manifest.jsonab12cd34.tmp",
             "parse_cache.pickleq9w8e7r6.tmp"]
    live = "run_results.jsonl1v3wr1t.tmp"  # another run writing it right now
    other = ["notes.tmp", "run_results.json.tmp", "manifest.jsonab12cd34.tmp.bak"]
    for name in stale + other + [live]:
        (target / name).write_bytes(b"{")
    for name in stale + other:
        os.utime(target / name, (hour_ago, hour_ago))
    change_model(project)
    assert cli(project, "build").code == 0
    assert beside(project) == ["warehouse.duckdb"]
    left = {p.name for p in target.iterdir()}
    assert not left & set(stale), "a killed run's temp files go with the next write"
    assert live in left, "a fresh temp file may be another run's: it stays"
    assert set(other) <= left, "files that are not this target's temp files stay"


def test_export_removes_the_temp_files_of_dead_exports_only(make_project, tmp_path):
    from warehouse.compile.load import load_project
    from warehouse.serve import export

    root = make_project({
        "pyproject.toml": '[tool.warehouse]\n[tool.warehouse.models.marts]\n'
                          '"+materialized" = "table"\n"+schema" = "marts"\n',
        "models/marts/fct.sql": "select 1 as id",
    })
    assert main(["build", "--project-dir", str(root)]) == 0
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    alive = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    out = tmp_path / "out"
    out.mkdir()
    try:
        for name in (f".fct.parquet.{dead}.tmp", f".gone_mart.parquet.{dead}.tmp",
                     f".fct.parquet.{alive.pid}.tmp", "fct.parquet.tmp", ".fct.parquet.x.tmp"):
            (out / name).write_bytes(b"PAR1")
        export.export_parquet(load_project(root), out, echo=lambda line: None)
        assert sorted(p.name for p in out.iterdir()) == sorted([
            f".fct.parquet.{alive.pid}.tmp", ".fct.parquet.x.tmp", "fct.parquet",
            "fct.parquet.tmp"])
    finally:
        alive.kill()
        alive.wait(timeout=30)
