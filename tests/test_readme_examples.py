"""The README's example queries run against the warehouse and return the columns it shows.

Each ```sql block that is followed by an output block is run on a freshly built copy of the
project; the output block's header (a `a | b` line or a DuckDB box) must name the same
columns. Values and row counts are shown "as of" a date and are not compared: adding a
report changes them, and must not break the tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from wh_helpers import REPO, build, copy_real_project

FENCE = re.compile(r"^ *```(\w*)\n(.*?)^ *```\n", re.S | re.M)


def examples() -> list[tuple[int, str, list[str]]]:
    """(line, sql, columns shown) for each sql block directly followed by its output."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [(text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2), m.start(), m.end())
              for m in FENCE.finditer(text)]
    found = []
    for (line, lang, body, _, end), (_, next_lang, output, start, _) in zip(blocks, blocks[1:],
                                                                             strict=False):
        if lang == "sql" and not next_lang and not text[end:start].strip():
            found.append((line, body, shown_columns(output)))
    return found


def shown_columns(output: str) -> list[str]:
    lines = output.splitlines()
    if lines[0].startswith("┌"):
        return [c.strip() for c in lines[1].strip("│").split("│")]
    return [c.strip() for c in lines[0].split("|")]


EXAMPLES = examples()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = copy_real_project(tmp_path_factory.mktemp("readme") / "project")
    result, log = build(root)
    assert result.exit_code == 0, log
    return root / "warehouse.duckdb"


def test_the_readme_has_examples_to_check():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("line, sql, columns", EXAMPLES,
                         ids=[f"README.md:{e[0]}" for e in EXAMPLES])
def test_a_readme_query_runs_and_returns_the_columns_it_shows(warehouse, line, sql, columns):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql)
        assert [d[0] for d in cursor.description] == columns, f"README.md:{line}"
        assert cursor.fetchall(), f"README.md:{line}: the example returns no rows"
    finally:
        con.close()
