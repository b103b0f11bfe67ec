"""What a build saves outside DuckDB's own work, and what each saving must keep.

The work file commits without waiting for the disk: it is durable only because
the whole file is fsynced before it is published. The process leaves its heap to
the operating system at exit, but still runs what `atexit` registered and writes
everything it printed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from wh_helpers import build, rows

from warehouse.adapters.duckdb import workcopy

TWO_MODELS = {
    "pyproject.toml": "[tool.warehouse]\nthreads = 1\n",
    "models/a.sql": "{{ config(materialized='table') }}\nselect 1 as id",
    "models/b.sql": "select id + 1 as id from {{ ref('a') }}",
}


def test_the_work_file_is_fsynced_whole_before_it_is_published(make_project, monkeypatch):
    root = make_project(TWO_MODELS)
    events: list[tuple[str, ...]] = []
    original_fsync, original_swap = workcopy.fsync_file, workcopy.WorkingCopy._swap

    def fsync_file(path: Path) -> None:
        events.append(("fsync", Path(path).name))
        original_fsync(path)

    def swap(self, spare):
        events.append(("swap", self.path.name))
        return original_swap(self, spare)

    monkeypatch.setattr(workcopy, "fsync_file", fsync_file)
    monkeypatch.setattr(workcopy.WorkingCopy, "_swap", swap)
    result, _out = build(root)
    assert result.published
    assert events == [("fsync", "warehouse.duckdb.work"), ("swap", "warehouse.duckdb.work")]
    assert rows(root, "select id from main.b") == [(2,)]


def test_the_work_session_commits_without_fsync_and_the_published_file_opens_normally(
        make_project, monkeypatch):
    from warehouse.adapters.duckdb import adapter

    root = make_project(TWO_MODELS)
    seen: list[str] = []
    original = adapter.DuckDBSession.create_schemas

    def create_schemas(self, schemas):
        seen.append(self.con.execute("select current_setting('fsync_mode')").fetchall()[0][0])
        return original(self, schemas)

    monkeypatch.setattr(adapter.DuckDBSession, "create_schemas", create_schemas)
    result, _out = build(root)
    assert result.published and [s.lower() for s in seen] == ["none"]
    import duckdb

    con = duckdb.connect(str(root / "warehouse.duckdb"))  # the setting is not stored
    try:
        assert con.execute("select current_setting('fsync_mode')").fetchall()[0][0].lower() \
            == "standard"
    finally:
        con.close()


def test_the_program_still_runs_exit_functions_and_flushes_its_output(make_project):
    """As the program (main() with no arguments) the heap is frozen at exit, after every
    exit function registered once main() started (the last to run was registered first)."""
    import subprocess
    import sys

    root = make_project(TWO_MODELS)
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
            "from warehouse.cli import main\n"
            "sys.argv = ['warehouse', 'build', '--project-dir', sys.argv[1]]\n"
            "def later():\n"
            "    atexit.register(lambda: print('exit function ran', flush=True))\n"
            "import warehouse.run.runner as runner\n"
            "execute = runner.execute\n"
            "runner.execute = lambda *a, **k: (later(), execute(*a, **k))[1]\n"
            "sys.exit(main())\n")
    proc = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-2:] == ["exit function ran", "frozen at exit: True"]
    assert any("table main.a" in line for line in lines)
    assert (root / "target" / "run_results.json").exists()


@pytest.mark.parametrize(("command", "limited"), [("build", True), ("ls", False)])
def test_the_program_limits_malloc_arenas_for_commands_that_run_nodes(
        make_project, command, limited):
    """As the program, a command whose nodes run on threads asks glibc for fewer malloc
    arenas (what one thread's arena holds, another's allocations cannot reuse: a cold
    build of 5,000 models peaked 76 MiB higher); a command that runs nothing does not."""
    import subprocess
    import sys

    from warehouse.core.heap import fewer_malloc_arenas

    root = make_project(TWO_MODELS)
    code = ("import sys\n"
            "import warehouse.core.heap as heap\n"
            "heap.fewer_malloc_arenas = lambda most=2: print('arenas', most, flush=True)\n"
            "from warehouse.cli import main\n"
            f"sys.argv = ['warehouse', {command!r}, '--project-dir', sys.argv[1]]\n"
            "sys.exit(main())\n")
    proc = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert ("arenas 2" in proc.stdout.splitlines()) is limited
    assert fewer_malloc_arenas() in (True, False)  # (applied on glibc; elsewhere a no-op)
