"""Helpers of the Spark tests: fixture projects with a Spark target, built on either engine."""

from __future__ import annotations

from pathlib import Path

from wh_helpers import build, write_files

__all__ = ["build_on", "spark_pyproject", "write_files"]


def spark_pyproject(prefix: str, extra: str = "") -> str:
    return (f'[tool.warehouse]\nname = "{prefix}"\n{extra}\n'
            f'[tool.warehouse.targets.spark]\ntype = "spark"\nmaster = "local[2]"\n'
            f'database_prefix = "{prefix}_"\n')


def build_on(root: Path, target: str | None, monkeypatch, command: str = "build", **options):
    """Build `root` with DuckDB (target None) or on the Spark target."""
    if target:
        monkeypatch.setenv("DBT_TARGET", target)
    else:
        monkeypatch.delenv("DBT_TARGET", raising=False)
    try:
        return build(root, command, **options)
    finally:
        monkeypatch.delenv("DBT_TARGET", raising=False)
