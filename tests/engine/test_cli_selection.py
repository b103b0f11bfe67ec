"""The command line around selection and progress: a selection that matches nothing,
relation names where node names go, labels that tell unchanged from skipped, and
--help and --version."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from warehouse.cli import COMMANDS


@pytest.fixture
def small(make_project):
    return make_project({
        "models/a.sql": "select 1 as id",
        "models/marts/b.sql": "{{ config(materialized='table', schema='marts', alias='fct_b') }}\n"
                              "select id + 1 as id from {{ ref('a') }}",
        "models/schema.yml": "models:\n  - name: b\n    columns:\n"
                             "      - name: id\n        data_tests: [unique]\n",
    })


@pytest.mark.parametrize("command", ["ls", "compile", "build", "run", "seed"])
def test_a_selection_that_matches_nothing_warns_and_exits_1(small, cli, command):
    res = cli(small, command, "--select", "nosuchthing")
    assert res.code == 1, res.text
    assert "nosuchthing" in res.err and "nothing was done" in res.err
    assert "Traceback" not in res.text


def test_a_selection_that_matches_something_exits_0(small, cli):
    res = cli(small, "ls", "--select", "a")
    assert res.code == 0 and res.out.split() == ["model.a"], res.text
    assert cli(small, "ls", "--select", "a", "--resource-type", "seed").code == 1


def test_relation_names_select_what_they_build(small, cli):
    """`marts.fct_b` is model b (its folder, schema and alias all differ from its name)."""
    res = cli(small, "ls", "--select", "marts.fct_b", "--resource-type", "model")
    assert res.code == 0 and res.out.split() == ["model.b"], res.text
    res = cli(small, "ls", "--select", "+MARTS.FCT_B", "--resource-type", "model",
              "--output", "name")
    assert res.out.split() == ["a", "b"], "case-insensitive, graph operators apply"
    assert cli(small, "build", "--select", "+marts.fct_b").code == 0


def test_lineage_takes_relation_names(small, cli):
    assert cli(small, "build").code == 0
    res = cli(small, "lineage", "marts.fct_b", "--output", "json")
    assert res.code == 0, res.text
    tree = json.loads(res.out)
    assert tree["unique_id"] == "model.b"
    assert [c["name"] for c in tree["upstream"]] == ["a"]
    res = cli(small, "lineage", "marts.fct_b.id")
    assert res.code == 0 and "a" in res.out, res.text


def test_unchanged_and_skipped_have_their_own_labels(make_project, cli):
    root = make_project({
        "models/a.sql": "select 1 as id",
        "models/b.sql": "select * from {{ ref('a') }}",
    })
    assert cli(root, "build").code == 0
    res = cli(root, "build")
    assert res.code == 0 and " of " not in res.out, "no line per unchanged node"
    assert "Not run: 2 unchanged seeds and models (--show-unchanged lists them)" in res.out
    res = cli(root, "build", "--show-unchanged")
    assert "SAME  view main.a" in res.out and "SAME  view main.b" in res.out, res.out
    (root / "models/a.sql").write_text("select nope_column from range(1)")
    res = cli(root, "build")
    assert res.code == 1
    assert "ERROR view main.a" in res.out and "SKIP  view main.b" in res.out, res.out
    assert "SAME" not in res.out


def test_every_command_has_a_description_and_an_example():
    for command in COMMANDS:
        out = subprocess.run([sys.executable, "-m", "warehouse.cli", command, "--help"],
                             capture_output=True, text=True, check=True).stdout
        body = out.split("options:")[0]
        assert len(body.splitlines()) >= 3, f"{command}: no description\n{out}"
        examples = out.split("examples:\n")[1].splitlines()
        assert examples and all(e.strip().startswith(f"warehouse {command}")
                                for e in examples), f"{command}: bad examples\n{out}"
        for line in out.split("options:")[1].split("examples:")[0].splitlines():
            if line.startswith("  -") and "  " not in line.strip():
                nxt = out.splitlines()[out.splitlines().index(line) + 1]
                assert nxt.startswith("      "), f"{command}: {line.strip()} has no help"


def test_version():
    from warehouse import __version__

    res = subprocess.run([sys.executable, "-m", "warehouse.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert res.stdout.strip() == f"warehouse {__version__}"
