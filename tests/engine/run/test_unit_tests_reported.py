"""Where unit tests are reported: `warehouse test` on an existing warehouse (beside the data
tests) and pytest, which collects each unit test as an item, as it does the data tests."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.wh_helpers import build

PYTEST_PYPROJECT = "[tool.warehouse]\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n"

FILES = {
    "models/events.sql": "select 1 as id, 2 as qty",
    "models/doubled.sql": "select id, qty * 2 as doubled from {{ ref('events') }}",
    "models/unit.yml": """
        version: 2
        models:
          - name: doubled
            data_tests: [{unique: {column_name: id}}]
        unit_tests:
          - name: doubles
            model: doubled
            given:
              - input: ref('events')
                rows: [{id: 1, qty: 3}]
            expect:
              rows: [{id: 1, doubled: 6}]
          - name: sums_two
            model: doubled
            given:
              - input: ref('events')
                rows: [{id: 1, qty: 3}, {id: 2, qty: 1}]
            expect:
              rows: [{id: 1, doubled: 6}, {id: 2, doubled: 2}]
        """,
}

# What a wrong expectation of `sums_two` prints, whichever command runs it.
WRONG_DIFF = [
    "compared as multisets on 2 columns (id, doubled): 2 rows expected, 2 rows returned",
    "expected but missing (1):",
    "id | doubled", "---+--------", "1  | 7",
    "present but unexpected (1):",
    "id | doubled", "---+--------", "1  | 6",
    "column by column (each missing row beside the closest unexpected one):",
    "id=1: doubled expected 7, got 6"]


def break_expectation(root) -> int:
    """`sums_two` now expects doubled 7 for id 1; the line of its entry."""
    path = root / "models/unit.yml"
    text = path.read_text()
    path.write_text(text.replace("[{id: 1, doubled: 6}, {id: 2", "[{id: 1, doubled: 7}, {id: 2"))
    return text[:text.index("- name: sums_two")].count("\n") + 1


def diff_after(out: str, head: str) -> list[str]:
    block = out[out.index(head):].splitlines()[1:1 + len(WRONG_DIFF)]
    return [line.strip() for line in block]


def test_warehouse_test_runs_unit_and_data_tests_on_the_warehouse(make_project, cli):
    root = make_project(FILES)
    result, _ = build(root)
    assert result.exit_code == 0
    line = break_expectation(root)
    done = cli(root, "test")
    assert done.code == 1, done.text
    head = (f"FAIL unit test doubled.sums_two (model doubled; models/unit.yml:{line}): "
            "1 expected row missing, 1 unexpected row")
    assert head in done.out
    assert diff_after(done.out, head) == WRONG_DIFF
    assert re.search(r"PASS=2 FAIL=1 .*TOTAL=3", done.out), \
        "the unchanged unit test and the data test are counted with their stored passes"


def run_pytest(root) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v"],
                          cwd=root, capture_output=True, text=True, timeout=300)


def test_pytest_collects_each_unit_test_as_an_item_with_its_diff(make_project):
    root = make_project({**FILES, "pyproject.toml": PYTEST_PYPROJECT})
    break_expectation(root)
    proc = run_pytest(root)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert re.search(r"::doubled\.doubles PASSED", out)
    assert re.search(r"::doubled\.sums_two FAILED", out)
    assert re.search(r"::unique_doubled_id PASSED", out)
    assert "_ unit test doubled.sums_two _" in out, "the failure is titled by what it is"
    head = "FAIL unit test doubled.sums_two (model doubled; models/unit.yml:"
    assert diff_after(out, head) == WRONG_DIFF
    assert "1 failed, 2 passed" in out


def test_pytest_unit_tests_run_when_the_shared_build_fails(make_project):
    """A model that does not build fails the data tests (they read the build) but not the
    unit tests, which run as `warehouse test` does without a warehouse."""
    root = make_project({**FILES, "pyproject.toml": PYTEST_PYPROJECT,
                         "models/broken.sql": "select nope from {{ ref('events') }}"})
    proc = run_pytest(root)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert re.search(r"::unique_doubled_id FAILED", out)
    assert "building seeds and models failed" in out
    assert re.search(r"::doubled\.doubles PASSED", out)
    assert re.search(r"::doubled\.sums_two PASSED", out)
