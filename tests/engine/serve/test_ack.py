"""`warehouse ack`: the row an analyst would type to acknowledge a check, written for them,
checked against the latest build, and refused when it would acknowledge nothing."""

from __future__ import annotations

import csv
import io
import shlex
from datetime import date

import pytest
from wh_helpers import build, copy_real_project, rows

from warehouse.cli import main
from warehouse.core.config import load_pyproject_config
from warehouse.core.errors import ProjectError

ACK_TABLE = """
[tool.warehouse.ack]
seed = "acks"
checks = "marts.checks"
id_column = "check_id"
reason_column = "explanation"
"""
# Three checks; 'b:2' is acknowledged already. The id of the failing one holds '<=', which a
# shell reads as a redirection: the test's command line must quote it.
CHECKS = """
{{ config(materialized='table', schema='marts') }}
select c.*, k.check_id is not null as is_acknowledged
from (values ('a:1<=2', 'inconsistent'), ('b:2', 'inconsistent'), ('c:3', 'consistent'))
    as c(check_id, status)
left join {{ ref('acks') }} as k using (check_id)
"""
TEST = """
{{ config(display='records') }}
select check_id,
    'warehouse ack ' || case when regexp_full_match(check_id, '[A-Za-z0-9_:.-]+') then check_id
        else '''' || check_id || '''' end || ' --reason "<why this is not an error>"'
        as acknowledge
from {{ ref('checks') }}
where status = 'inconsistent' and not is_acknowledged
"""
SEED = ("check_id,explanation,acknowledged_on,reviewer\n"
        "b:2,Known: the source rounds,2025-01-02,ana\n")
REASON = 'The source says "79%", rounding 79.8%, to a whole percent; both kept as written'


@pytest.fixture
def project(make_project):
    return make_project({
        "pyproject.toml": "[tool.warehouse]\n" + ACK_TABLE,
        "models/checks.sql": CHECKS,
        "tests/data/no_unacknowledged.sql": TEST,
        "seeds/acks.csv": SEED,
        "seeds/acks.yml": "seeds:\n  - name: acks\n    config:\n      column_types: "
                          "{check_id: varchar, explanation: varchar, acknowledged_on: date, "
                          "reviewer: varchar}\n",
    })


def ack(root, capsys, *args: str) -> tuple[int, str]:
    code = main(["ack", "--project-dir", str(root), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def seed_rows(root) -> list[dict[str, str]]:
    with (root / "seeds/acks.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_build_fails_ack_then_build_passes(project, capsys):
    result, out = build(project)
    assert result.exit_code == 1
    command = next(line.split("acknowledge:", 1)[1].strip() for line in out.splitlines()
                   if "acknowledge:" in line)
    assert command == "warehouse ack 'a:1<=2' --reason \"<why this is not an error>\""
    argv = shlex.split(command)  # as a shell reads the line copied from the output
    assert argv[:4] == ["warehouse", "ack", "a:1<=2", "--reason"]
    code, text = ack(project, capsys, *argv[2:-1], REASON)
    assert code == 0, text
    assert "acknowledged in seeds/acks.csv" in text and "warehouse build" in text
    assert seed_rows(project)[-1] == {"check_id": "a:1<=2", "explanation": REASON,
                                      "acknowledged_on": date.today().isoformat(),
                                      "reviewer": ""}
    result, out = build(project)
    assert result.exit_code == 0, out
    assert rows(project, "select explanation from main.acks where check_id = 'a:1<=2'") \
        == [(REASON,)], "the seed loads the quoted reason as written"


def test_placeholder_and_short_reasons_are_refused(project, capsys):
    build(project)
    before = (project / "seeds/acks.csv").read_bytes()
    code, text = ack(project, capsys, "a:1<=2", "--reason", "<why this is not an error>")
    assert code == 2 and "placeholder" in text
    code, text = ack(project, capsys, "a:1<=2", "--reason", "  rounding ")
    assert code == 2 and "too short" in text and "Traceback" not in text
    assert (project / "seeds/acks.csv").read_bytes() == before


def test_unknown_id_is_refused_with_close_matches(project, capsys):
    build(project)
    before = (project / "seeds/acks.csv").read_bytes()
    code, text = ack(project, capsys, "a:1<=2", "a:1<2", "--reason", REASON)
    assert code == 2
    assert "no check 'a:1<2' in marts.checks" in text and "nothing written" in text
    assert "did you mean 'a:1<=2'?" in text
    assert (project / "seeds/acks.csv").read_bytes() == before, "all or nothing"


def test_already_acknowledged_writes_no_second_row(project, capsys):
    build(project)
    before = (project / "seeds/acks.csv").read_bytes()
    code, text = ack(project, capsys, "b:2", "--reason", REASON)
    assert code == 0
    assert "b:2 is already acknowledged (seeds/acks.csv:2): Known: the source rounds" in text
    assert (project / "seeds/acks.csv").read_bytes() == before
    code, text = ack(project, capsys, "b:2", "a:1<=2", "a:1<=2", "--reason", REASON)
    assert code == 0
    assert [r["check_id"] for r in seed_rows(project)] == ["b:2", "a:1<=2"]


def test_line_endings_bom_and_quoting_are_kept(project, capsys):
    seed = project / "seeds/acks.csv"
    seed.write_bytes(b"\xef\xbb\xbf" + SEED.replace("\n", "\r\n").encode()[:-2])  # no last EOL
    build(project)
    code, _ = ack(project, capsys, "a:1<=2", "--reason", REASON + "\nsecond line")
    assert code == 0
    data = seed.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == 3
    last = data.decode("utf-8-sig").splitlines()[-1]
    assert last == f'a:1<=2,"{REASON.replace(chr(34), 2 * chr(34))} second line",' \
                  f"{date.today().isoformat()},"
    assert next(csv.reader(io.StringIO(last)))[1] == REASON + " second line"


def test_ids_are_checked_in_the_published_warehouse_after_a_passing_build(project, capsys):
    (project / "seeds/acks.csv").write_text(SEED + "a:1<=2,acknowledged by hand,,\n")
    result, _ = build(project)
    assert result.exit_code == 0 and not (project / "target/failed_build.duckdb").exists()
    code, text = ack(project, capsys, "c:4", "--reason", REASON)
    assert code == 2 and "(the published warehouse)" in text and "'c:3'" in text


def test_no_warehouse_yet_is_a_usage_error(project, capsys):
    code, text = ack(project, capsys, "a:1<=2", "--reason", REASON)
    assert code == 2 and "run `warehouse build`" in text and "Traceback" not in text


def test_project_without_ack_config(make_project, capsys):
    root = make_project({"models/m.sql": "select 1 as id"})
    code, text = ack(root, capsys, "x", "--reason", REASON)
    assert code == 2 and "Traceback" not in text
    assert "`warehouse ack` is not configured for this project" in text
    assert "[tool.warehouse.ack]" in text and 'seed = "known_discrepancies"' in text


@pytest.mark.parametrize("table, line, message", [
    ('[tool.warehouse.ack]\nseed = "acks"\nchecks = "marts.checks"\nid_colum = "x"\n', 5,
     "unknown key 'id_colum' in [tool.warehouse.ack]"),
    ('[tool.warehouse.ack]\nseed = "acks"\nchecks = "marts.checks"\n', 2,
     "[tool.warehouse.ack] needs id_column"),
    (ACK_TABLE.replace('"marts.checks"', '"a.b.c"'), 4, "ack checks must be a relation"),
    ("[tool.warehouse]\nack = 3\n", 2, "tool.warehouse.ack must be a table"),
])
def test_ack_table_is_checked_at_its_line(tmp_path, table, line, message):
    head = "" if table.startswith("[tool.warehouse]") else "[tool.warehouse]\n"
    (tmp_path / "pyproject.toml").write_text(head + table.lstrip("\n"))
    with pytest.raises(ProjectError) as caught:
        load_pyproject_config(tmp_path)
    assert caught.value.line == line, str(caught.value)
    assert caught.value.path == "pyproject.toml" and message in str(caught.value)


def test_the_warehouse_data_test_prints_a_command_that_acknowledges(tmp_path, capsys):
    """The repository's own test: unacknowledge its checks, build (failing), run each printed
    command with a reason, build again (passing)."""
    root = copy_real_project(tmp_path / "real")
    seed = root / "seeds/known_discrepancies.csv"
    seed.write_text(seed.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    result, out = build(root, threads=1)
    assert result.exit_code == 1, out
    lines = out.splitlines()
    commands = [line.strip().removeprefix("acknowledge:").strip() or lines[i + 1].strip()
                for i, line in enumerate(lines) if line.strip().startswith("acknowledge:")]
    assert commands and all(c.startswith("warehouse ack ") for c in commands), out
    for command in commands:
        argv = shlex.split(command)
        assert argv[3:] == ["--reason", "<why this is not an error>"]
        code, text = ack(root, capsys, *argv[2:-1], REASON)
        assert code == 0, text
    result, out = build(root, threads=1)
    assert result.exit_code == 0, out
