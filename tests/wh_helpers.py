"""Helpers for engine tests: build a fixture project in-process, read its published tables."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb

from warehouse.console import Console
from warehouse.project import load_project
from warehouse.runner import RunOptions, execute


def build(root: Path, command: str = "build", **options):
    out = io.StringIO()
    project = load_project(root, vars=options.pop("vars", None))
    result = execute(project, RunOptions(command=command, **options), Console(out, colour=False))
    return result, out.getvalue()


def rows(root: Path, sql: str):
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
