"""manifest.json is written while the build runs (it describes the project, not the
results), and what goes wrong with it is still said, after the build's own errors."""

from __future__ import annotations

import json
import time

import warehouse.run.runner
from warehouse.cli import main

FILES = {
    "models/a.sql": "select 1 as id",
    "models/b.sql": "select id from {{ ref('a') }}",
    "models/props.yml": "version: 2\nmodels:\n  - name: b\n    columns:\n"
                        "      - name: id\n        data_tests: [unique]\n",
}


def test_the_manifest_is_written_while_the_build_runs(make_project, monkeypatch):
    """The build waits (up to a minute) for the manifest before it starts: were the manifest
    written after the build, it would never appear in time."""
    root = make_project(FILES)
    manifest = root / "target" / "manifest.json"
    real_execute = warehouse.run.runner.execute
    seen: list[bool] = []

    def execute(project, options, console=None, **kwargs):
        if project.late_checks is not None:  # (the manifest waits for the models' checks,
            project.late_checks.go()  # which begin as the build runs its first model)
        deadline = time.monotonic() + 60
        while not manifest.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(manifest.exists())
        return real_execute(project, options, console, **kwargs)

    monkeypatch.setattr(warehouse.run.runner, "execute", execute)
    assert main(["build", "--project-dir", str(root)]) == 0
    assert seen == [True]
    nodes = json.loads(manifest.read_text())["nodes"]
    assert sorted(n["name"] for n in nodes.values() if n["resource_type"] == "model") == [
        "a", "b"]


def test_a_manifest_that_cannot_be_written_is_said(make_project, capsys):
    root = make_project(FILES)
    (root / "target" / "manifest.json").mkdir(parents=True)  # a folder where the file goes
    code = main(["build", "--project-dir", str(root)])
    err = capsys.readouterr().err
    assert code != 0
    assert "the build was published, but its artifacts could not be written" in err, err


def test_the_build_s_own_error_comes_first(make_project, capsys):
    """`warehouse test` without a warehouse fails in the build; the manifest written
    meanwhile changes nothing of what is said."""
    root = make_project(FILES)
    code = main(["test", "--project-dir", str(root)])
    err = capsys.readouterr().err
    assert code != 0
    assert "no warehouse at" in err and "warehouse build" in err, err
