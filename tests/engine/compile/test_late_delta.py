"""A build after a few model files were edited checks those models beside the build
(compile/late_checks.py, `at_once`): begun as the load ends, the plan not waiting for
them, and still the answers of a load that checks everything first."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from conftest import write_project
from test_late_checks import _build

from warehouse import cli
from warehouse.compile.load import load_project
from warehouse.core.identity import NodeId, NodeKind

MODELS = {"models/a.sql": "select 1 as x, 'a' as y",
          "models/b.sql": "select x, y from {{ ref('a') }}",
          "models/c.sql": "select x from {{ ref('b') }}"}


def _published(root: Path) -> bytes:
    return (root / "warehouse.duckdb").read_bytes()


def _edit(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(text, encoding="utf-8")


def test_an_edited_models_check_is_left_to_the_build_which_need_not_wait(tmp_path,
                                                                       monkeypatch, capsys):
    root = write_project(tmp_path / "p", MODELS)
    assert _build(root, monkeypatch, capsys)[0] == 0
    _edit(root, "models/b.sql", "select x, y, 2 as z from {{ ref('a') }}")
    project = load_project(root, cache=True, late=True)
    late = project.late_checks
    assert late is not None and not late.plan_waits
    b = NodeId(NodeKind.MODEL, "b")
    assert late.pending and project.nodes[b].sql_columns == ()  # (until the build says go)
    late.wait()
    assert project.nodes[b].sql_columns == ("x", "y", "z")
    assert load_project(root, cache=True).nodes[b].sql_columns == ("x", "y", "z")


def test_a_syntax_error_in_the_edit_is_the_builds_error_and_nothing_is_published(
        tmp_path, monkeypatch, capsys):
    bad = "select x,,\n  y from {{ ref('a') }}\n"
    late = write_project(tmp_path / "late" / "p", MODELS)
    eager = write_project(tmp_path / "eager" / "p", MODELS)
    for root in (late, eager):
        assert _build(root, monkeypatch, capsys)[0] == 0
        _edit(root, "models/b.sql", bad)
    before = _published(late)
    code, out, err, ran = _build(late, monkeypatch, capsys)
    assert (code, out, err) == _build(eager, monkeypatch, capsys, "--no-parse-cache")[:3]
    assert code == 2 and "models/b.sql:1:10: SQL syntax error" in err and out == ""
    assert not ran and _published(late) == before
    _edit(late, "models/b.sql", "select x from {{ ref('a') }}")  # mended: c runs too
    code, out, _err, _ran = _build(late, monkeypatch, capsys)
    assert code == 0 and "main.b" in out and "main.c" in out


def test_an_edit_reading_what_it_does_not_reference_never_runs(tmp_path, monkeypatch,
                                                               capsys):
    root = write_project(tmp_path / "p", MODELS)
    assert _build(root, monkeypatch, capsys)[0] == 0
    _edit(root, "models/c.sql", "select x from {{ ref('b') }}\njoin main.a using (x)")
    before = _published(root)
    code, out, err, ran = _build(root, monkeypatch, capsys)
    assert code == 2 and "models/c.sql:2:" in err and out == ""
    assert not ran, "c ran before its check"
    assert _published(root) == before


def test_a_comment_that_breaks_the_sql_fails_though_the_fingerprint_is_unchanged(
        tmp_path, monkeypatch, capsys):
    root = write_project(tmp_path / "p", MODELS)
    assert _build(root, monkeypatch, capsys)[0] == 0
    _edit(root, "models/c.sql", "select x from {{ ref('b') }} /* never closed")
    code, out, err, _ran = _build(root, monkeypatch, capsys)
    assert code == 2 and "models/c.sql:1:" in err and "unterminated" in err
    assert out == "", "no line before the error: nothing ran, nothing to say"


def test_a_volatile_call_in_the_edit_is_its_reason_and_runs_it_next_time(
        tmp_path, monkeypatch, capsys):
    root = write_project(tmp_path / "p", MODELS)
    assert _build(root, monkeypatch, capsys)[0] == 0
    _edit(root, "models/c.sql", "select x, now() as at from {{ ref('b') }}")
    for _ in range(2):  # the second build loads the edit's checked node from the cache
        code, out, _err, ran = _build(root, monkeypatch, capsys)
        assert code == 0 and ran
        results = json.loads((root / "target" / "run_results.json").read_text())["results"]
        ours = [r["adapter_response"]["warehouse"] for r in results]
        reasons = {r["node"]: r["reason"] for r in ours if r["status"] == "success"}
        assert reasons == {"model.c": "calls now()"}


def test_the_plan_does_not_wait_for_the_edits_check(tmp_path, monkeypatch, capsys):
    """A model calling now() runs whatever changed: it runs while the edited model's
    check is held back, which a plan waiting for the checks would not allow."""
    from warehouse.compile import parse
    from warehouse.run import runner

    root = write_project(tmp_path / "p", {**MODELS, "models/d.sql": "select now() as t"})
    assert _build(root, monkeypatch, capsys)[0] == 0
    _edit(root, "models/b.sql", "select x, y, 2 as z from {{ ref('a') }}")
    ran, released = threading.Event(), []
    real_analyze, real_run = parse.NativeFirst.__call__, runner.run_node

    def analyze(self, sql, *, path, template):  # (an edited model's analyser)
        if path.endswith("b.sql"):
            released.append(ran.wait(20))
        return real_analyze(self, sql, path=path, template=template)

    def run_node(project, node, *rest, **kwargs):
        ran.set()
        return real_run(project, node, *rest, **kwargs)

    monkeypatch.setattr(parse.NativeFirst, "__call__", analyze)
    monkeypatch.setattr(runner, "run_node", run_node)
    assert cli.main(["build", "--project-dir", str(root)]) == 0
    assert released == [True], "the check was let go by the timeout, not by d's run"
    assert "main.b" in capsys.readouterr().out


def test_a_later_error_of_the_edits_comes_after_a_failed_check_as_in_an_eager_load(
        tmp_path, monkeypatch, capsys):
    """b fails as it is compiled, after a's check was set aside: a's syntax error, which
    an eager load meets first, is still the build's error."""
    late = write_project(tmp_path / "late" / "p", MODELS)
    eager = write_project(tmp_path / "eager" / "p", MODELS)
    for root in (late, eager):
        assert _build(root, monkeypatch, capsys)[0] == 0
        _edit(root, "models/a.sql", "select 1 as x,, 'a' as y")
        _edit(root, "models/b.sql", "{% if ref('a').schema == 'main' %}"
                                    "{{ exceptions.raise_compiler_error('boom') }}{% endif %}"
                                    "select x, y from {{ ref('a') }}")
    code, out, err, _ran = _build(late, monkeypatch, capsys)
    assert (code, out, err) == _build(eager, monkeypatch, capsys, "--no-parse-cache")[:3]
    assert code == 2 and "models/a.sql:1:" in err and "boom" not in err


def test_a_read_outside_the_refs_in_an_edit_reads_as_a_whole_loads_error(
        tmp_path, monkeypatch, capsys):
    """An edited model is checked on DuckDB's own tree (parse.NativeFirst); the error it
    finds is said by sqlglot's analysis, with the line and column a whole load gives."""
    late = write_project(tmp_path / "late" / "p", MODELS)
    eager = write_project(tmp_path / "eager" / "p", MODELS)
    for root in (late, eager):
        assert _build(root, monkeypatch, capsys)[0] == 0
        _edit(root, "models/c.sql", "select x\nfrom {{ ref('b') }}\njoin main.a using (x)")
    before = _published(late)
    code, out, err, _ran = _build(late, monkeypatch, capsys)
    assert (code, out, err) == _build(eager, monkeypatch, capsys, "--no-parse-cache")[:3]
    assert code == 2 and "models/c.sql:3:" in err and "'main.a'" in err, err
    assert _published(late) == before


def test_an_edit_is_checked_without_sqlglot_and_records_what_a_whole_load_does(tmp_path):
    """No sqlglot import for a build, first or after an edit (0.1 s: more than a small
    model's SQL), and the edited model's columns are those sqlglot's eager load finds."""
    import subprocess
    import sys

    root = write_project(tmp_path / "p", MODELS)
    script = ("import sys; from warehouse.cli import main; code = main(['build', "
              f"'--project-dir', {str(root)!r}]); "
              "sys.exit(code or 10 * ('sqlglot' in sys.modules))")
    assert subprocess.run([sys.executable, "-c", script]).returncode == 0
    _edit(root, "models/b.sql", "select x, y, count(*) over () as n, (x) from {{ ref('a') }}"
                                " union all select 2, 'b', 1, 2")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    b = NodeId(NodeKind.MODEL, "b")
    edited = load_project(root, cache=True).nodes[b]
    whole = load_project(root).nodes[b]
    assert edited.sql_columns == whole.sql_columns == ("x", "y", "n", "x")
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    assert list(manifest["nodes"]["model.p.b"]["columns"]) == ["x", "y", "n"]
