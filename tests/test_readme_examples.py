"""The README's example queries, run on a fresh build, return exactly the output it shows.

Each ```sql block directly followed by an output block is run against a freshly built
copy of the project, and the output block (a header line `a | b`, then one line per
row) must show the same columns and the same rows in the same order: text as is, NULL
for a missing value, numbers equal to nine significant digits. So an example cannot
drift from the data: a change that alters an answer (a new report, say) fails here until
the README shows the new answer. `python tests/test_readme_examples.py` prints every
example's current output in the README's form, ready to paste.

The user-facing text (README, docs/, the YAML descriptions that reach the docs site and
PostgreSQL comments) must stand alone: it may not send a reader to files outside the
repository.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from wh_helpers import REPO, build, copy_real_project

FENCE = re.compile(r"^ *```(\w*)\n(.*?)^ *```\n", re.S | re.M)
OUTSIDE = re.compile(r"\.\./shared|/work/shared|DESIGN\.md")


def examples() -> list[tuple[int, str, str]]:
    """(line, sql, output) for each sql block directly followed by its output block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [(text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2), m.start(), m.end())
              for m in FENCE.finditer(text)]
    found = []
    for (line, lang, body, _, end), (_, next_lang, output, start, _) in zip(blocks, blocks[1:],
                                                                             strict=False):
        if lang == "sql" and not next_lang and not text[end:start].strip():
            found.append((line, body, output))
    return found


def shown_table(output: str) -> tuple[list[str], list[list[str]]]:
    """The columns and rows of an output block in the README's `a | b` form."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and not lines[0].startswith("┌"), (
        "write the output as `a | b` lines (the DuckDB box cuts long values)")
    cells = [[c.strip() for c in line.split(" | ")] for line in lines]
    return cells[0], cells[1:]


def cell(value: Any) -> str:
    """A value as the README shows it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def same(shown: str, value: Any) -> bool:
    if shown == cell(value):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return math.isclose(float(shown), float(value), rel_tol=1e-9)
        except ValueError:
            return False
    return False


def render(names: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Rows in the README's form: columns padded, numbers to the right."""
    table = [list(names)] + [[cell(v) for v in row] for row in rows]
    numeric = [all(isinstance(r[i], int | float) and not isinstance(r[i], bool)
                   for r in rows if r[i] is not None) and any(r[i] is not None for r in rows)
               for i in range(len(names))]
    widths = [max(len(line[i]) for line in table) for i in range(len(names))]
    out = []
    for n, line in enumerate(table):
        parts = [c.rjust(w) if numeric[i] and n else c.ljust(w)
                 for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        out.append(" | ".join(parts).rstrip())
    return "\n".join(out) + "\n"


EXAMPLES = examples()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = copy_real_project(tmp_path_factory.mktemp("readme") / "project")
    result, log = build(root)
    assert result.exit_code == 0, log
    return root / "warehouse.duckdb"


def test_the_readme_has_examples_to_check():
    assert len(EXAMPLES) >= 8


def test_every_table_of_output_follows_its_query():
    """An output shown without the query that gives it could not be checked."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    checked = {output for _, _, output in EXAMPLES}
    for m in FENCE.finditer(text):
        first = m.group(2).splitlines()[0] if m.group(2).strip() else ""
        if not m.group(1) and (" | " in first or first.startswith("┌")):
            line = text.count("\n", 0, m.start()) + 1
            assert m.group(2) in checked, f"README.md:{line}: output without its query"


@pytest.mark.parametrize("line, sql, output", EXAMPLES,
                         ids=[f"README.md:{e[0]}" for e in EXAMPLES])
def test_a_readme_query_gives_the_output_shown(warehouse, line, sql, output):
    columns, rows = shown_table(output)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        got = cursor.fetchall()
    finally:
        con.close()
    now = render(names, got)
    assert names == columns, f"README.md:{line}: columns differ; the query now gives:\n{now}"
    assert len(got) == len(rows), f"README.md:{line}: row count differs; now:\n{now}"
    for shown, row in zip(rows, got, strict=True):
        assert len(shown) == len(row) and all(map(same, shown, row)), (
            f"README.md:{line}: row {shown} differs; the query now gives:\n{now}")


def test_comparison_catches_a_changed_value():
    assert same("2.245", 2.2449999999999997) and same("NULL", None) and same("true", True)
    assert not same("2.25", 2.3) and not same("vn", "la") and not same("1", None)
    assert shown_table("a | b\n1 | x y\n") == (["a", "b"], [["1", "x y"]])
    assert render(["n", "t"], [(1.5, "a"), (10.25, None)]) == (
        "n     | t\n  1.5 | a\n10.25 | NULL\n")


def user_facing_files() -> list[Path]:
    files = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    for folder in ("models", "seeds", "macros"):
        files += sorted((REPO / folder).rglob("*.yml"))
    return files


def test_user_facing_text_stands_alone():
    """No file a clone does not have: a design note or a source outside the repository."""
    for path in user_facing_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not OUTSIDE.search(line), f"{path.relative_to(REPO)}:{n}: {line.strip()}"


def test_links_in_the_readme_and_docs_resolve():
    for path in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not re.match(r"\w+://", target):
                assert (path.parent / target).exists(), f"{path.name}: link to {target}"


if __name__ == "__main__":  # print each example's current output, to paste into the README
    import shutil
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_real_project(Path(tmp) / "project")
        result, log = build(root)
        if result.exit_code:
            sys.exit(log)
        con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
        for line, sql, _ in EXAMPLES:
            cursor = con.execute(sql)
            print(f"README.md:{line}\n" + render([d[0] for d in cursor.description],
                                                 cursor.fetchall()))
        con.close()
        shutil.rmtree(root, ignore_errors=True)
