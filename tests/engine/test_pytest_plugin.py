"""The pytest plugin: one pytest item per data test, failing with the CLI's message."""

from __future__ import annotations

import subprocess
import sys


def test_data_tests_become_pytest_items(make_project, cli):
    root = make_project({
        "pyproject.toml": "[tool.warehouse]\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "models/nums.sql": "{{ config(materialized='table') }} select * from range(4) t(id)",
        "models/schema.yml": """
            models:
              - name: nums
                columns:
                  - name: id
                    data_tests:
                      - unique
                      - accepted_values: {values: [0, 1, 2], quote: false}
            """,
        "tests/data/nothing_negative.sql": "select * from {{ ref('nums') }} where id < 0",
        "tests/test_unit.py": "def test_plain():\n    assert True\n",
    })
    proc = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "test_plain PASSED" in out
    assert "unique_nums_id PASSED" in out
    assert "nothing_negative PASSED" in out
    import re

    assert re.search(r"accepted_values_nums_id\w* FAILED", out)
    ran = sum(len(re.findall(rf"\b{w}\b", out.split("=== FAILURES")[0]))
              for w in ("PASSED", "FAILED"))
    assert f"collected {ran} items" in out, "the count pytest announces is what runs"
    cli_out = cli(root, "build").out
    expected = next(line.strip() for line in cli_out.splitlines()
                    if line.strip().startswith("FAIL 1 accepted_values_nums_id"))
    assert expected in out, "pytest shows the same message as the CLI"
    assert not (root / "warehouse.duckdb").exists(), "the plugin never publishes"


def test_choosing_one_test_file_skips_data_tests(make_project):
    root = make_project({
        "models/nums.sql": "select 1 as id",
        "models/schema.yml": "models:\n  - name: nums\n    columns:\n"
                             "      - name: id\n        data_tests: [unique]\n",
        "tests/test_unit.py": "def test_plain():\n    assert True\n",
    })
    proc = subprocess.run([sys.executable, "-m", "pytest", "-v", "tests/test_unit.py"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    assert "unique_nums_id" not in proc.stdout
