"""Helpers for engine tests: build a fixture project in-process, read its published tables."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import duckdb

from warehouse.compile.load import load_project
from warehouse.core.console import Console
from warehouse.run.results import RunOptions
from warehouse.run.runner import execute


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> text, dedented) under root, with the models/ and
    seeds/ folders a project has even when empty."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    for folder in ("models", "seeds"):
        (root / folder).mkdir(exist_ok=True)
    return root


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


REPO = Path(__file__).resolve().parents[1]


def copy_real_project(root: Path) -> Path:
    """The repository's own warehouse project, copied to `root` so a test may build it
    (and edit it) without touching the published file or target/ of the checkout."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    for folder in ("seeds", "models", "macros", "tests/data"):
        shutil.copytree(REPO / folder, root / folder)
    return root
