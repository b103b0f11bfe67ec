"""A build's workspace opens on a thread while its project loads (run/workspace_ahead.py).

Through the command line, as a person runs it: the work file is there before the
load ends; a command that builds nothing after all (a comment edited, a project
error) hands the workspace back, keeping the spare for the next build and the
published file as it was.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from wh_helpers import rows

from warehouse.adapters.duckdb import spare as spares
from warehouse.cli import main
from warehouse.compile import parse_cache

FILES = {
    "models/a.sql": "select 1 as id",
    "models/b.sql": "{{ config(materialized='table') }}\nselect id + 1 as id from {{ ref('a') }}",
}


@pytest.fixture(autouse=True)
def patient(monkeypatch):
    monkeypatch.setattr(spares, "WORTH_SECONDS", 600.0)  # (the spare, however slow)


def build(root: Path, capsys) -> tuple[int, str]:
    code = main(["build", "--project-dir", str(root)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def edit(root: Path, name: str, sql: str) -> None:
    path = root / "models" / f"{name}.sql"
    path.write_text(sql, encoding="utf-8")


@pytest.fixture
def project(make_project, capsys) -> Path:
    """Built twice: the spare (a = 1) beside the published file (a = 2)."""
    root = make_project(FILES)
    assert build(root, capsys)[0] == 0
    edit(root, "a", "select 2 as id")
    assert build(root, capsys)[0] == 0
    assert spares.spare_path(root / "warehouse.duckdb").exists()
    return root


def test_the_work_file_opens_while_the_project_loads(project, monkeypatch, capsys, copies):
    """Once the load finds the project changed, before it reads the last load."""
    work = project / "warehouse.duckdb.work"
    real = parse_cache.read_previous
    seen: list[bool] = []

    def read_previous(*args, **kwargs):
        deadline = time.monotonic() + 30
        while not work.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        seen.append(work.exists())  # (the spare, renamed to the work path by then)
        return real(*args, **kwargs)

    monkeypatch.setattr(parse_cache, "read_previous", read_previous)
    edit(project, "b", "{{ config(materialized='table') }}\n"
                       "select id + 10 as id from {{ ref('a') }}")
    code, out = build(project, capsys)
    assert code == 0, out
    assert seen == [True] and copies == []
    assert rows(project, "select (select id from a), (select id from b)") == [(2, 12)]
    assert not work.exists()


def test_files_written_again_as_they_were_open_nothing(project, monkeypatch, capsys):
    """The cache answers the load: no workspace, so no DuckDB for the answer."""
    from warehouse.run import workspace_ahead

    opened: list[object] = []
    monkeypatch.setattr(workspace_ahead.WorkspaceAhead, "__init__",
                        lambda self, adapter: opened.append(adapter))
    text = (project / "models" / "b.sql").read_text(encoding="utf-8")
    edit(project, "b", text)  # (newer stats, same text: the no-op check cannot tell)
    code, out = build(project, capsys)
    assert code == 0 and "OK=" not in out, out
    assert opened == []


def test_a_build_with_nothing_to_do_gives_the_spare_back(project, capsys, copies):
    db = project / "warehouse.duckdb"
    before = db.stat().st_mtime_ns
    edit(project, "a", "select 2 as id -- the same query, a comment added")
    code, out = build(project, capsys)
    assert code == 0, out
    assert "OK=" not in out  # nothing ran
    assert db.stat().st_mtime_ns == before
    assert spares.spare_path(db).exists() and spares.record_path(db).exists()
    assert not (project / "warehouse.duckdb.work").exists()
    # The next build starts from that spare, not from a copy, and gives the right tables.
    edit(project, "b", "{{ config(materialized='table') }}\n"
                       "select id + 100 as id from {{ ref('a') }}")
    code, out = build(project, capsys)
    assert code == 0, out
    assert copies == []
    assert rows(project, "select (select id from a), (select id from b)") == [(2, 102)]


def test_a_project_error_hands_the_workspace_back(project, capsys, copies):
    db = project / "warehouse.duckdb"
    before = db.stat().st_mtime_ns
    edit(project, "b", "{{ config(materialized='table') }}\n"
                       "select id from {{ ref('missing') }}")
    code, out = build(project, capsys)  # an error of the load, met after the open began
    assert code == 2 and "models/b.sql" in out and "missing" in out, out
    assert db.stat().st_mtime_ns == before
    assert not (project / "warehouse.duckdb.work").exists()
    edit(project, "b", "{{ config(materialized='table') }}\n"
                       "select id + 7 as id from {{ ref('a') }}")
    code, out = build(project, capsys)  # the lock was released, the spare kept
    assert code == 0, out
    assert copies == []
    assert rows(project, "select (select id from a), (select id from b)") == [(2, 9)]


def test_what_the_open_refused_is_raised_by_take_and_nothing_escapes_the_thread(monkeypatch):
    """The build meets the open's error where it takes the workspace; when closing the
    half-open workspace is refused too, that is the error, and no thread dies with a
    traceback of its own."""
    import threading

    from warehouse.core.errors import ProjectError
    from warehouse.run.workspace_ahead import WorkspaceAhead

    escaped: list[object] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args))

    class Workspace:
        def __enter__(self):
            return self

        def connect(self):
            raise ProjectError("the disk is full", path="warehouse.duckdb.work")

        def __exit__(self, *exc):
            raise ProjectError("could not write the build", path="warehouse.duckdb.work")

    class Adapter:
        def workspace(self):
            return Workspace()

    ahead = WorkspaceAhead(Adapter())
    with pytest.raises(ProjectError, match="could not write the build"):
        with ahead.take():
            pass
    ahead.give_back()  # (nothing left to close)
    assert escaped == []


def test_ctrl_c_while_the_build_waits_for_the_open_gives_it_back_once_open(monkeypatch):
    """Ctrl-C as the build waits for the workspace: the interrupt is raised once the open
    is done, and giving it back waits for that too. (Thread.join, interrupted, marked the
    thread ended in Python 3.11: the workspace was then closed while its thread still
    opened it: "connection is busy", "cannot give back a working copy that is discarded",
    or the process aborted at exit with the thread inside DuckDB.)"""
    import signal
    import threading

    from warehouse.run.workspace_ahead import WorkspaceAhead

    connecting, finish, events = threading.Event(), threading.Event(), []

    class Workspace:
        def __enter__(self):
            return self

        def connect(self):
            connecting.set()
            assert finish.wait(10)
            events.append("connected")

        def give_back(self):
            events.append("given back")

    class Adapter:
        def workspace(self):
            return Workspace()

    def press_ctrl_c_then_let_it_open():
        assert connecting.wait(10)
        time.sleep(0.05)  # (the build is waiting in `take`: a real signal interrupts that)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        time.sleep(0.05)
        finish.set()

    ahead = WorkspaceAhead(Adapter())
    presser = threading.Thread(target=press_ctrl_c_then_let_it_open)
    presser.start()
    with pytest.raises(KeyboardInterrupt):
        with ahead.take():
            events.append("taken")
    events.append("interrupted")
    presser.join(10)
    ahead.give_back()
    assert events == ["connected", "interrupted", "given back"]

