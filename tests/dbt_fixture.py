"""A small dbt project for the Jinja-context tests: dbt_project.yml and a profile whose
DuckDB file is an absolute path (so where the build runs from does not matter)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import duckdb
from wh_helpers import build, write_files

PROJECT = """
name: shop
profile: shop
"""


def dbt_project(root: Path, files: dict[str, str], project: str = PROJECT) -> Path:
    """Write a dbt project into `root`: `files` (dedented) plus dbt_project.yml (`project`,
    unless `files` has one) and profiles.yml."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, {"dbt_project.yml": project, **files})
    (root / "profiles.yml").write_text(
        f"shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{root / 'shop.duckdb'}'\n", encoding="utf-8")
    return root


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def ok_build(root: Path, command: str = "build", **options: Any) -> dict[str, str]:
    """Build, insist that nothing failed; each node's status by name."""
    result, out = build(root, command, **options)
    statuses = {r.node_id.name: r.status for r in result.results}
    assert not any(r.blocking for r in result.results), out
    return statuses


def failed_build(root: Path, command: str = "build", **options: Any) -> tuple[Any, str]:
    result, out = build(root, command, **options)
    assert any(r.blocking for r in result.results), out
    return result, out


def query(root: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(root / "shop.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
