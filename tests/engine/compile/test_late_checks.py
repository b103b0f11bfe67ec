"""A cold build checks its models' SQL beside the build (compile/late_checks.py): the
same answers as a load that checks everything first, whatever runs meanwhile.

Each build here runs in-process with the analyser wrapped, so a test can hold one
model's check back until the build has run another model: what an eager load would
never let happen is then sure to be tried."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from conftest import write_project

from warehouse import cli
from warehouse.compile import parse
from warehouse.run import runner
from warehouse.run.artifacts import KEY

MODELS = {f"models/{name}.sql": "select 1 as x, 'a' as y" for name in "abcd"}
BAD = "select 1 as x,,\n  from {{ ref('a') }}\n"  # a syntax error DuckDB finds at 1:15


def _build(root: Path, monkeypatch, capsys, *args: str, hold: str | None = None,
           at_most: float = 30):
    """`warehouse build` in-process: exit code, stdout, stderr, whether a model ran. With
    `hold`, the check of the model whose file name ends so waits until some model has run
    (or `at_most` seconds, when none may)."""
    ran = threading.Event()
    real_analyze, real_run = parse.analyze_model_sql, runner.run_node

    def analyze(sql: str, *, path: str, template: str):
        if hold and path.endswith(hold):
            ran.wait(at_most)
        return real_analyze(sql, path=path, template=template)

    def run_node(project, node, *rest, **kwargs):
        result = real_run(project, node, *rest, **kwargs)
        ran.set()
        return result

    monkeypatch.setattr(parse, "analyze_model_sql", analyze)
    monkeypatch.setattr(runner, "run_node", run_node)
    monkeypatch.chdir(root)
    capsys.readouterr()
    code = cli.main(["build", "--project-dir", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err.replace(str(root), "<root>"), ran.is_set()


@pytest.mark.parametrize("threads", ["1", "3"])
def test_a_failed_check_is_the_load_error_and_nothing_is_published(
        tmp_path, monkeypatch, capsys, threads):
    files = {**MODELS, "models/z_bad.sql": BAD}
    late = write_project(tmp_path / "late" / "project", files)
    eager = write_project(tmp_path / "eager" / "project", files)
    code, out, err, ran = _build(late, monkeypatch, capsys, "--threads", threads,
                                 hold="z_bad.sql")
    assert ran  # models ran while the bad one's check waited ...
    assert (code, out, err) == _build(eager, monkeypatch, capsys, "--threads", threads,
                                      "--no-parse-cache")[:3]
    assert code == 2 and "models/z_bad.sql:1:15: SQL syntax error" in err
    assert out == ""  # ... and their lines were dropped with the build
    assert not (late / "warehouse.duckdb").exists()
    assert not (late / "target" / "manifest.json").exists()


def test_a_model_error_comes_before_a_later_part_of_the_load(tmp_path, monkeypatch, capsys):
    """The tests are built after the models: an eager load meets the model's error first."""
    files = {**MODELS, "models/z_bad.sql": BAD, "models/props.yml": """
        models:
          - name: a
            columns:
              - name: x
                data_tests: [no_such_test]
        """}
    late = write_project(tmp_path / "late" / "project", files)
    eager = write_project(tmp_path / "eager" / "project", files)
    code, out, err, _ran = _build(late, monkeypatch, capsys)
    assert (code, out, err) == _build(eager, monkeypatch, capsys, "--no-parse-cache")[:3]
    assert "z_bad.sql:1:15" in err


def test_a_model_with_hooks_waits_for_every_check(tmp_path, monkeypatch, capsys):
    """A hook may write outside the warehouse: it must not run in a build an eager load
    would have refused. (Here nothing runs before the checks end: the held check gives
    up waiting after a second.)"""
    files = {**MODELS, "models/z_bad.sql": BAD, "models/b_hooked.sql": """
        {{ config(pre_hook="copy (select 42 as answer) to 'hook.csv'") }}
        select x + 1 as x from {{ ref('a') }}
        """}
    root = write_project(tmp_path / "p", files)
    code, _out, err, ran = _build(root, monkeypatch, capsys, hold="z_bad.sql", at_most=1)
    assert not ran and code == 2 and "z_bad.sql:1:15" in err
    assert not (root / "hook.csv").exists()


def test_a_late_checked_build_records_what_an_eager_one_does(tmp_path, monkeypatch, capsys):
    """Columns in the manifest, a volatile model's reason, the parse cache's nodes, and
    the next build's plan (the volatile model runs again, the rest is unchanged)."""
    files = {**MODELS, "models/clock.sql": "select now() as at, x from {{ ref('b') }}",
             "models/inc.sql": """
        {{ config(materialized='incremental') }}
        select x, y from {{ ref('c') }}
        {% if is_incremental() %} where x > (select max(x) from {{ this }}) {% endif %}
        """}
    late = write_project(tmp_path / "late" / "project", files)
    eager = write_project(tmp_path / "eager" / "project", files)
    assert _build(late, monkeypatch, capsys, hold="clock.sql")[0] == 0
    assert _build(eager, monkeypatch, capsys, "--no-parse-cache")[0] == 0
    for name in ("manifest.json", "run_results.json"):
        assert _comparable(late, name) == _comparable(eager, name)
    reasons = dict(_comparable(late, "run_results.json"))
    assert reasons["model.project.clock"] == ("success", "calls now()")

    from warehouse.compile.load import load_project

    cached = load_project(late, cache=True).nodes
    assert cached == load_project(eager).nodes
    code, out, _err, _ran = _build(late, monkeypatch, capsys)
    assert code == 0 and "UNCHANGED" in out and "model.project.clock" not in out
    assert "clock" in out and "inc" in out


def _comparable(root: Path, name: str) -> object:
    """An artifact without what differs between two builds of one project (times, ids,
    the project's folder)."""
    data = json.loads((root / "target" / name).read_text().replace(str(root), "<root>"))
    if name == "run_results.json":
        return sorted((r["unique_id"], (r["status"], r["adapter_response"][KEY]["reason"]))
                      for r in data["results"])
    return {k: {f: v.get(f) for f in ("columns", "depends_on", "raw_code", "compiled_code")}
            for k, v in data["nodes"].items()}


@pytest.fixture(autouse=True)
def _no_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


def test_lines_are_held_while_checks_run_then_printed_in_order_or_dropped():
    """Printed in order once every check passed; after a failed check, none is printed,
    neither those held nor those of nodes that finish later."""
    import io

    from warehouse.compile.late_checks import HeldLines, LateChecks
    from warehouse.core.console import Console
    from warehouse.core.errors import ProjectError
    from warehouse.core.identity import Relation
    from warehouse.core.nodes import ModelNode

    def model(name: str) -> ModelNode:
        return ModelNode(name=name, path=f"models/{name}.sql", template="", config={},
                         relation=Relation("main", name), refs=(), sources=(),
                         compiled_sql="select 1")

    for fails in (False, True):
        gate = threading.Event()

        def check(_analyze, fails=fails, gate=gate):
            assert gate.wait(10)
            if fails:
                raise ProjectError("bad SQL", path="models/b.sql", line=1)
            return ("x",), ()

        checks, out = LateChecks(lambda *a, **k: None), io.StringIO()
        checks.defer(model("a"), lambda _analyze: (("x",), ()))
        checks.defer(model("b"), check)
        nodes = {}
        checks.start(nodes)
        held = HeldLines(Console(out, colour=False), checks)
        held.line("first")
        held.line("second")
        assert out.getvalue() == ""
        gate.set()
        if fails:
            with pytest.raises(ProjectError):
                checks.wait()
        else:
            checks.wait()
        held.line("third")
        held.flush()
        assert out.getvalue() == ("" if fails else "first\nsecond\nthird\n")
        assert [n.sql_columns for n in nodes.values()] == ([("x",)] if fails else [("x",)] * 2)


def test_a_first_build_makes_its_fingerprints_beside_it_and_stores_them(
        tmp_path, monkeypatch, capsys):
    """Nothing stored, nothing to compare: the plan runs every node as new and the
    fingerprints are made on the checks' thread (tokens the parse read), not before the
    first model runs; the state stored with them makes the next build a no-op, and an
    edit is seen."""
    from warehouse.compile.project import Project

    threads: list[str] = []
    real = Project.compute_fingerprints

    def compute(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Project, "compute_fingerprints", compute)
    root = write_project(tmp_path / "project", {
        **MODELS, "models/e.sql": "select x + 1 as x from {{ ref('a') }}"})
    code, out, _err, _ran = _build(root, monkeypatch, capsys)
    assert code == 0 and "OK=5" in out
    assert threads == ["warehouse-checks"]
    code, out, _err, _ran = _build(root, monkeypatch, capsys)
    assert code == 0 and "UNCHANGED=5" in out and "OK=" not in out
    (root / "models" / "d.sql").write_text("select 2 as x, 'b' as y")
    code, out, _err, _ran = _build(root, monkeypatch, capsys)
    assert code == 0 and "OK=1" in out and "UNCHANGED=4" in out


def test_a_plan_made_after_the_checks_reads_what_they_found(tmp_path):
    """A plan made while the checks are pending does not keep the models as they were for
    the plans after them: a model calling now() runs again though its state is stored."""
    from warehouse.adapters.base import NodeState, StoredState
    from warehouse.compile.load import load_project
    from warehouse.core.identity import NodeId, NodeKind
    from warehouse.run.plan import plan_for
    from warehouse.run.results import RunOptions

    root = write_project(tmp_path / "project", {**MODELS, "models/clock.sql": "select now() as at"})
    project = load_project(root, cache=True, late=True)
    options = RunOptions(command="build")
    order = list(project.dag.topological_order())
    assert project.late_checks.pending
    plan_for(project, options, order, StoredState())  # (before the checks)
    project.late_checks.wait()
    fingerprints = project.fingerprints
    stored = StoredState(
        nodes={str(n): NodeState(str(n), fingerprints[n].full, fingerprints[n].local,
                                 str(project.nodes[n].relation), "success", None, "")
               for n in order},
        relations=frozenset((project.nodes[n].relation.schema.lower(),
                             project.nodes[n].relation.name.lower()) for n in order),
        exists=True)
    plan = plan_for(project, options, order, stored)
    assert dict(plan.reasons) == {NodeId(NodeKind.MODEL, "clock"): "calls now()"}


def test_the_checks_thread_opens_the_parser_before_it_is_told_to_go(monkeypatch):
    """The parser's connection is opened while the build prepares, on the thread that will
    check (the connection is that thread's own), not at the first check, after `go`; a
    failure to open it there leaves the check to open it and say what went wrong."""
    from warehouse.compile.late_checks import LateChecks
    from warehouse.core.identity import Relation
    from warehouse.core.nodes import ModelNode

    model = ModelNode(name="a", path="models/a.sql", template="", config={},
                      relation=Relation("main", "a"), refs=(), sources=(),
                      compiled_sql="select 1")
    for fails in (False, True):
        opened, checked, seen = [], [], threading.Event()
        checks = LateChecks(lambda *a, **k: None)

        def prepare(fails=fails, checks=checks, opened=opened, seen=seen):
            opened.append((threading.current_thread().name, checks._go.is_set()))
            seen.set()
            if fails:
                raise RuntimeError("no memory for a connection")

        def check(_analyze, checked=checked):
            checked.append(threading.current_thread().name)
            return ("x",), ()

        monkeypatch.setattr(parse, "prepare_to_analyze", prepare)
        checks.defer(model, check)
        nodes: dict = {}
        checks.start(nodes)
        assert seen.wait(10)  # (opened without being told to go)
        assert opened == [("warehouse-checks", False)]
        assert checked == []
        checks.wait()
        assert checked == ["warehouse-checks"]
        assert nodes[model.id].sql_columns == ("x",)


def test_a_read_outside_the_refs_reads_as_the_eager_loads_error(tmp_path, monkeypatch, capsys):
    """A build's load checks its models on DuckDB's tree (parse.NativeFirst); the error it
    finds is worded, placed and pointed at by sqlglot's analysis, as an eager load's."""
    files = {**MODELS, "models/z_reads.sql": "select x\nfrom {{ ref('a') }}\njoin main.b using (x)"}
    late = write_project(tmp_path / "late" / "project", files)
    eager = write_project(tmp_path / "eager" / "project", files)
    code, out, err, _ran = _build(late, monkeypatch, capsys)
    assert (code, out, err) == _build(eager, monkeypatch, capsys, "--no-parse-cache")[:3]
    assert code == 2 and "models/z_reads.sql:3:" in err and "'main.b'" in err, err
    assert not (late / "warehouse.duckdb").exists()


EXITS_DURING_PREPARE = """
import sys, threading
from pathlib import Path

import _duckdb

from warehouse.compile import parse
from warehouse.compile.load import load_project

inside = threading.Event()


def prepare():  # DuckDB busy on the checks' thread, the interpreter let go meanwhile
    inside.set()
    _duckdb.connect().execute("select sum(i) from range(150000000) t(i)").fetchall()
    print("prepared", flush=True)


parse.prepare_to_analyze = prepare
load_project(Path(sys.argv[1]), cache=True, late=True)
assert inside.wait(30)
sys.exit(3)  # (as a command interrupted during its load leaves)
"""


def test_a_process_ending_while_a_check_is_in_duckdb_waits_for_it(tmp_path):
    """The interpreter ends only once the checks' thread is out of DuckDB (its work there
    done): a thread Python's exit stops inside DuckDB can abort the whole process
    ("terminate called", status -6 instead of the command's own)."""
    import subprocess
    import sys

    root = write_project(tmp_path / "project", MODELS)
    out = subprocess.run([sys.executable, "-c", EXITS_DURING_PREPARE, str(root)],
                         capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout) == (3, "prepared\n"), out.stderr
    assert "terminate" not in out.stderr


def test_stopped_checks_run_no_other_check_and_fail_the_models_left():
    """`stop` (at exit) lets the check in progress end, begins no other, and leaves the
    models not checked failed (`node` None), so that none of them can run unchecked."""
    from warehouse.compile.late_checks import LateChecks
    from warehouse.core.identity import Relation
    from warehouse.core.nodes import ModelNode

    first_began, let_first_end, checked = threading.Event(), threading.Event(), []
    models = [ModelNode(name=n, path=f"models/{n}.sql", template="", config={},
                        relation=Relation("main", n), refs=(), sources=(),
                        compiled_sql="select 1") for n in "ab"]

    def check(_analyze, name):
        if name == "a":
            first_began.set()
            assert let_first_end.wait(10)
        checked.append(name)
        return ("x",), ()

    checks = LateChecks(lambda *a, **k: None)
    for model in models:
        checks.defer(model, lambda analyze, name=model.name: check(analyze, name))
    nodes: dict = {}
    checks.start(nodes)
    checks.go()
    assert first_began.wait(10)
    stopper = threading.Thread(target=checks.stop)
    stopper.start()
    while not checks._stopping:  # (told to stop before the check in progress ends)
        stopper.join(0.001)
    let_first_end.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert checked == ["a"]
    assert checks.node(models[1].id) is None and checks.error is not None
    with pytest.raises(RuntimeError, match="stopped"):
        checks.wait()


def test_ctrl_c_while_waiting_for_the_checks_stops_them_after_the_one_in_progress():
    """Ctrl-C as the build waits for its checks: no other check begins, and the interrupt
    is raised once the one in progress is done (not while its thread is still in it)."""
    import signal
    import time

    from warehouse.compile.late_checks import LateChecks
    from warehouse.core.identity import Relation
    from warehouse.core.nodes import ModelNode

    began, events = threading.Event(), []
    models = [ModelNode(name=n, path=f"models/{n}.sql", template="", config={},
                        relation=Relation("main", n), refs=(), sources=(),
                        compiled_sql="select 1") for n in "ab"]

    def check(_analyze, name):
        began.set()
        time.sleep(0.3)
        events.append(f"checked {name}")
        return ("x",), ()

    def press():
        assert began.wait(10)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    checks = LateChecks(lambda *a, **k: None)
    for model in models:
        checks.defer(model, lambda analyze, name=model.name: check(analyze, name))
    checks.start({})
    presser = threading.Thread(target=press)
    presser.start()
    with pytest.raises(KeyboardInterrupt):
        checks.wait()
    events.append("interrupted")
    presser.join(10)
    assert events == ["checked a", "interrupted"]
    assert checks.node(models[1].id) is None
