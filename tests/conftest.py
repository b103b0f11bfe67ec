"""Shared fixtures: tiny projects written into a temporary folder from dicts of file contents."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

MINIMAL_PYPROJECT = "[tool.warehouse]\n"


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path → text, dedented) under root; a pyproject if none given."""
    from wh_helpers import write_files

    return write_files(root, {"pyproject.toml": MINIMAL_PYPROJECT, **files})


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    def make(files: dict[str, str], name: str = "project") -> Path:
        return write_project(tmp_path / name, files)

    return make


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(root: Path, *args: str, timeout: float = 120) -> CliResult:
    """The CLI in a subprocess, as a user runs it: from the project's folder (where a dbt
    profile's relative `path:` is opened from, as dbt-duckdb opens it)."""
    proc = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", args[0], "--project-dir", str(root), *args[1:]],
        capture_output=True, text=True, timeout=timeout, cwd=root if root.is_dir() else None,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture
def copies(monkeypatch) -> list[str]:
    """The work files a build made by copying the published file (`shutil.copyfile` to a
    `.work` path, counted): none when it started from the spare (adapters/duckdb/spare.py)."""
    import shutil

    made: list[str] = []
    copy = shutil.copyfile

    def counted(src, dst, **kwargs):
        if str(dst).endswith(".work"):
            made.append(str(dst))
        return copy(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", counted)
    return made
