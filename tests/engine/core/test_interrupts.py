"""Ctrl-C, wherever it lands, ends a command with its message and status 130 (cli.main).

DuckDB's driver reports an interrupted statement on the main thread as a plain
RuntimeError; the command line takes that for the interrupt it is
(`console.interrupted_query`), where it was a traceback and status 1.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from warehouse import cli
from warehouse.core.console import interrupted_query


def test_duckdb_reports_ctrl_c_in_a_statement_as_the_error_recognised():
    from warehouse.adapters.duckdb.driver import duckdb

    con = duckdb.connect()
    pressed = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    pressed.start()
    try:
        with pytest.raises(BaseException) as caught:
            con.execute("select count(*) from range(100000000000) a(i)").fetchall()
    finally:
        pressed.join()
    assert interrupted_query(caught.value), repr(caught.value)
    assert not interrupted_query(RuntimeError("Query interrupted by the user"))
    assert not interrupted_query(KeyboardInterrupt())


@pytest.mark.parametrize("raised", [KeyboardInterrupt(), RuntimeError("Query interrupted")])
def test_an_interrupt_says_so_with_status_130(monkeypatch, capsys, raised):
    def dispatch(_args):
        raise raised

    monkeypatch.setattr(cli, "_dispatch", dispatch)
    assert cli.main(["build"]) == 130
    assert capsys.readouterr().err == "interrupted: nothing was published\n"


def test_another_runtime_error_is_not_taken_for_one(monkeypatch):
    def dispatch(_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "_dispatch", dispatch)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["build"])


def test_ctrl_c_before_the_command_is_parsed_says_so_too(monkeypatch, capsys):
    def pressed():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_parser", pressed)
    assert cli.main(["build"]) == 130
    assert capsys.readouterr().err == "interrupted: nothing was published\n"
