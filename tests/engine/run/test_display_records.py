"""display='records': a failing test prints each row whole, so the build's output alone says
what failed (no opening target/failed_build.duckdb to read a cut id)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from wh_helpers import build

from warehouse.core.errors import ProjectError
from warehouse.run.testrun import KEEP_WHOLE, WRAP_WIDTH, format_records

# 60 rows, each with a 200-character text of words and an id of 70 characters.
MODEL = """
    select i as n,
           'id:' || lpad(i::varchar, 67, 'x') as long_id,
           'row ' || lpad(i::varchar, 3, '0') || ' ' || repeat('lorem ipsum ', 16)
               || 'dolor sit amet, consectetur adipisc' as txt
    from range(60) t(i)
"""


def text_of(n: int) -> str:
    return f"row {n:03d} " + "lorem ipsum " * 16 + "dolor sit amet, consectetur adipisc"


@pytest.fixture
def project(make_project):
    return make_project({
        "models/wide.sql": MODEL,
        "tests/data/every_row.sql": "{{ config(display='records') }}\n"
                                    "select * from {{ ref('wide') }} order by n\n",
        "tests/data/every_row_table.sql": "select * from {{ ref('wide') }} order by n\n",
        "tests/data/first_55.sql": "{{ config(display='records', limit=55) }}\n"
                                   "select n from {{ ref('wide') }} order by n\n",
    })


def block(output: str, test: str) -> list[str]:
    """The message lines of one failing test in the build's output."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"FAIL 60 {test} ")
                 or line.strip().startswith(f"FAIL 55 {test} "))
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*\d+ of \d+ ", lines[i])
                or lines[i].startswith("Done")), len(lines))
    return [line for line in lines[start:end] if line.strip()]


def values_of(lines: list[str], column: str) -> list[str]:
    """Each record's value of `column`, its wrapped lines joined again."""
    found, current, indent = [], None, 0
    for line in lines:
        stripped = line.strip()
        if current is not None and line.startswith(" " * (indent + 2)) and stripped:
            current.append(stripped)
            continue
        if current is not None:
            found.append(" ".join(current))
            current = None
        if stripped.startswith(f"{column}:"):
            indent = len(line) - len(line.lstrip())
            rest = stripped[len(column) + 1:].strip()
            current = [rest] if rest else []
    if current is not None:
        found.append(" ".join(current))
    return found


def test_records_show_every_row_whole_up_to_50(project):
    result, out = build(project)
    assert result.exit_code == 1
    lines = block(out, "every_row")
    assert "failing row 1 of 60:" in lines[1]
    assert sum("failing row" in line and " of 60:" in line for line in lines) == 50
    assert lines[-1].strip() == "... and 10 more failing rows (the first 50 are shown)"
    texts = values_of(lines, "txt")
    assert texts == [text_of(n) for n in range(50)], "nothing cut, nothing lost"
    assert all(len(line) <= WRAP_WIDTH + 12 for line in lines[1:-1]), "long text is wrapped"
    assert values_of(lines, "long_id") == [f"id:{n:x>67}" for n in range(50)]
    assert not any(line.rstrip().endswith("...") for line in lines[1:-1])


def test_limit_shows_that_many(project):
    _, out = build(project)
    lines = block(out, "first_55")
    assert sum(line.strip().startswith("failing row") for line in lines) == 55
    assert "failing row 55 of 55:" in "\n".join(lines)
    assert "more failing row" not in "\n".join(lines)


def test_default_display_still_cuts(project):
    _, out = build(project)
    lines = block(out, "every_row_table")
    assert "n | long_id" in lines[1]
    assert lines[-1].strip() == "... and 55 more failing rows"
    assert text_of(0) not in out.replace("\n", " ").split("every_row_table")[1]
    assert any(line.rstrip().endswith("...") and len(line.split("|")[-1].strip()) == 60
               for line in lines)


def test_pytest_plugin_prints_records_too(make_project):
    root = make_project({
        "pyproject.toml": "[tool.warehouse]\n\n[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "models/wide.sql": MODEL,
        "tests/data/every_row.sql": "{{ config(display='records') }}\n"
                                    "select * from {{ ref('wide') }} where n < 3 order by n\n",
    })
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "failing row 3 of 3:" in out
    lines = out[out.index("FAIL 3 every_row"):].splitlines()
    assert values_of(lines, "txt")[:3] == [text_of(n) for n in range(3)]


@pytest.mark.parametrize("where, config", [
    ("tests/data/t.sql", {"tests/data/t.sql": "{{ config(display='recrods') }}\nselect 1"}),
    ("models/s.yml:6", {"models/s.yml": """
        models:
          - name: wide
            data_tests:
              - unique:
                  column_name: n
                  config: {display: cards}
        """}),
])
def test_unknown_display_is_an_error_where_it_is_written(make_project, where, config):
    from warehouse.compile.load import load_project

    root = make_project({"models/wide.sql": MODEL, **config})
    with pytest.raises(ProjectError) as caught:
        load_project(root, cache=False)
    assert str(caught.value).startswith(f"{where}")
    assert "display must be 'table' or 'records'" in str(caught.value)


def test_format_records_keeps_ids_and_commands_on_one_line():
    command = "warehouse ack " + "x" * 80 + ' --reason "<why this is not an error>"'
    assert len(command) <= KEEP_WHOLE
    out = format_records(["acknowledge", "note", "empty"],
                         [(command, "first line\nsecond line", None)], total=1)
    assert out == ["failing row 1 of 1:", "  acknowledge:", f"    {command}", "  note:",
                   "    first line", "    second line", "  empty:       null"]
