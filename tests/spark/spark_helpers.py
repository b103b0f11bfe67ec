"""Helpers of the Spark tests: fixture projects with a Spark target, built on either engine."""

from __future__ import annotations

import textwrap
from pathlib import Path

from wh_helpers import build


def write_files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    for folder in ("models", "seeds"):
        (root / folder).mkdir(exist_ok=True)
    return root


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
