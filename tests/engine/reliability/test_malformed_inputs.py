"""A corpus of malformed inputs (corpus.py): whatever a user gets wrong, the engine says
where, in the exit code it promises, without a traceback, and publishes nothing.

For every case, run in-process through `warehouse.cli.main`:

1. the exit code is the case's (1 for a model or test that fails, 2 for a project or
   usage error);
2. no Python traceback is printed and no exception escapes `main()` (argparse's own
   `SystemExit` for a bad command line is how it exits: it is taken as the exit code,
   provided argparse printed its usage);
3. the message names the file the defect is in, as the user writes it (relative to
   the project, not an absolute path), with the line (and column) the case put it on;
4. the published `warehouse.duckdb` is byte for byte what the last good build published.

The base project is built once per module into a template folder; each case copies it.
A case marked xfail fails today for the reason it gives; it is strict, so a fix makes it
XPASS (and fail) until its marker is removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from corpus import BASE, CASES, DBT_FILES, RAW_EVENTS_SQL, Case, apply_edits

from warehouse.cli import main

TRACEBACK = "Traceback (most recent call last)"
KINDS = ("csv", "yaml", "sql", "jinja", "config", "cli")


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _write_base(root: Path) -> None:
    for rel, text in BASE.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _run(root: Path, argv: tuple[str, ...], capsys) -> tuple[int, str]:
    """main() on `argv` with --project-dir `root`: the exit code and everything printed."""
    args = [a.replace("{root}", str(root)) for a in argv]
    args[1:1] = ["--project-dir", str(root)]  # a later --project-dir in argv wins
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as exc:  # argparse refusing the command line
        out, err = capsys.readouterr()
        assert "usage:" in err, f"SystemExit({exc.code}) escaped main() without a usage:\n{err}"
        return int(exc.code), out + err
    except BaseException:  # noqa: BLE001 - the promise under test
        out, err = capsys.readouterr()
        pytest.fail(f"an exception escaped main():\n{traceback.format_exc()}\n{out}{err}")
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, tuple[Path, str | None]]:
    """The base project built and published (and a fresh copy never built), each with the
    sha256 of its published warehouse."""
    import duckdb

    folder = tmp_path_factory.mktemp("malformed")
    fresh = folder / "fresh"
    _write_base(fresh)
    built = folder / "built"
    _write_base(built)
    con = duckdb.connect(str(built / "warehouse.duckdb"))
    try:
        con.execute(RAW_EVENTS_SQL)
    finally:
        con.close()
    assert main(["build", "--project-dir", str(built)]) == 0
    return {"built": (built, _sha(built / "warehouse.duckdb")), "fresh": (fresh, None)}


@pytest.fixture(autouse=True)
def _no_dbt_environment(monkeypatch):
    for name in ("DBT_PROFILES_DIR", "DBT_TARGET"):
        monkeypatch.delenv(name, raising=False)


def _location_pattern(case: Case) -> re.Pattern[str]:
    """`path[:line[:column]]`, not preceded by a path character (so not an absolute path)."""
    text = re.escape(case.path)
    if case.line is not None:
        text += f":{case.line}"
        if case.column is not None:
            text += f":{case.column}"
    before = r"(?<![\w.\\-])" if case.absolute_ok else r"(?<![\w/.\\-])"
    return re.compile(before + text + r"(?![\w.])")


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_malformed_input(case: Case, templates, tmp_path, capsys, monkeypatch):
    template, published = templates["fresh" if case.fresh else "built"]
    root = tmp_path / "project"
    shutil.copytree(template, root)
    apply_edits(root, case.edits)
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    if case.setup:
        case.setup(root)

    code, text = _run(root, case.argv, capsys)

    shown = f"--- output of warehouse {' '.join(case.argv)} (exit {code}) ---\n{text}"
    assert TRACEBACK not in text, shown
    assert code == case.code, shown
    if case.path is not None:
        assert _location_pattern(case).search(text), (
            f"expected {_location_pattern(case).pattern!r} in the message\n{shown}")
    for word in case.contains:
        assert word in text, f"expected {word!r} in the message\n{shown}"
    assert _sha(root / "warehouse.duckdb") == published, (
        f"the published warehouse.duckdb changed\n{shown}")
    if case.check:
        case.check(root)


def test_corpus_size_by_kind():
    counts = {kind: sum(c.kind == kind for c in CASES) for kind in KINDS}
    assert set(c.kind for c in CASES) <= set(KINDS)
    assert len({c.id for c in CASES}) == len(CASES), "case ids repeat"
    minimum = {"csv": 25, "yaml": 30, "sql": 30, "jinja": 25, "config": 20, "cli": 15}
    assert all(counts[k] >= n for k, n in minimum.items()), counts
    assert len(CASES) >= 150, counts


@pytest.mark.parametrize("variant", ["pyproject", "dbt"])
def test_base_project_without_defect_is_valid(variant, templates, tmp_path, capsys):
    """The corpus measures defects, not a broken base: both variants load and list."""
    template, published = templates["built"]
    root = tmp_path / "project"
    shutil.copytree(template, root)
    if variant == "dbt":
        for rel, text in DBT_FILES.items():
            (root / rel).write_text(text, encoding="utf-8")
    code, text = _run(root, ("ls",), capsys)
    assert code == 0, text
    assert "model.fct_trade" in text
    assert _sha(root / "warehouse.duckdb") == published


def test_ls_json_into_a_reader_that_closes_early(templates, tmp_path):
    """`warehouse ls --output json | head -1`: the reader goes away after one line, and
    the writer says nothing about a broken pipe."""
    template, _published = templates["built"]
    root = tmp_path / "project"
    shutil.copytree(template, root)
    for i in range(800):  # more than the 64 KiB a pipe holds
        (root / "models" / "marts" / f"extra_{i:03}.sql").write_text(f"select {i} as n\n")
    command = (f"{sys.executable} -m warehouse.cli ls --project-dir '{root}' --output json "
               f"--no-parse-cache | head -1")
    proc = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout.count("\n") == 1 and '"unique_id"' in proc.stdout, proc.stdout
    assert "BrokenPipeError" not in proc.stderr, proc.stderr
    assert TRACEBACK not in proc.stderr, proc.stderr
