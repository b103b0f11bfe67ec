"""The command line as a user meets it: exit codes, messages without tracebacks, compile and ls."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from warehouse.cli import COMMANDS


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "warehouse.cli", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for command in COMMANDS:
        assert command in out


@pytest.fixture
def small(make_project):
    return make_project({
        "models/a.sql": "select 1 as id",
        "models/b.sql": "{{ config(materialized='table', tags=['daily']) }}\n"
                        "select id + 1 as id from {{ ref('a') }}",
    })


def test_user_error_exits_2_without_traceback(make_project, cli):
    root = make_project({"models/a.sql": "select {{ nope }}"})
    res = cli(root, "build")
    assert res.code == 2
    assert "models/a.sql:1" in res.err
    assert "Traceback" not in res.text
    res = cli(root, "build", "--debug")
    assert "Traceback" in res.err


def test_usage_error_exits_2(small, cli):
    res = cli(small, "build", "--vars", "[1, 2]")
    assert res.code == 2 and "--vars" in res.err
    res = cli(small, "build", "--select", "tag:")
    assert res.code == 2 and "Traceback" not in res.text


def test_build_then_run_exit_0_and_progress_lines(small, cli):
    res = cli(small, "build")
    assert res.code == 0, res.text
    assert "1 of 2 OK" in res.out and "2 of 2 OK" in res.out
    assert "table main.b" in res.out and "[1 rows in" in res.out


def test_compile_prints_rendered_sql(small, cli):
    res = cli(small, "compile", "--select", "b")
    assert res.code == 0, res.text
    assert '"main"."a"' in res.out
    assert (small / "target/compiled/models/b.sql").is_file()


def test_ls_lists_the_selection(small, cli):
    res = cli(small, "ls", "--select", "tag:daily")
    assert res.out.split() == ["model.b"]
    res = cli(small, "ls", "--select", "+b", "--output", "path")
    assert res.out.split() == ["models/a.sql", "models/b.sql"]


def test_clean_removes_target(small, cli):
    assert cli(small, "build").code == 0
    assert (small / "target").is_dir()
    assert cli(small, "clean").code == 0
    assert not (small / "target").exists()
    assert (small / "warehouse.duckdb").exists(), "clean keeps the published warehouse"


def test_help_starts_fast_without_heavy_imports():
    code = ("import sys, warehouse.cli; "
            "print(sorted(m for m in ('duckdb', '_duckdb', 'sqlglot', 'jinja2', 'yaml')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_reader_holding_the_file_never_fails_a_build(small, cli):
    assert cli(small, "build").code == 0
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(small / 'warehouse.duckdb')!r}, read_only=True)\n"
         "print(con.execute('select count(*) from b').fetchall()[0][0], flush=True)\n"
         "sys.stdin.readline()\n"
         "print(con.execute('select count(*) from b').fetchall()[0][0], flush=True)\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "1"
        (small / "models/b.sql").write_text(
            "{{ config(materialized='table') }} select * from range(5) t(id)")
        res = cli(small, "build")
        assert res.code == 0, res.text
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1", "the reader keeps its consistent view"
    finally:
        reader.kill()
        reader.wait()
    import duckdb

    con = duckdb.connect(str(small / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*) from b").fetchall() == [(5,)]
    con.close()


def test_kill_9_midway_leaves_published_file_intact(make_project, cli):
    root = make_project({
        "models/fast.sql": "{{ config(materialized='table') }} select 42 as answer",
    })
    assert cli(root, "build").code == 0
    before = (root / "warehouse.duckdb").read_bytes()
    (root / "models/slow.sql").write_text(
        "{{ config(materialized='table') }}\n"
        "select count(*) as n from range(300000000000) a(x) where x % 7 = 3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "warehouse.cli", "build", "--project-dir", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list(root.glob("warehouse.duckdb.work*")):
        time.sleep(0.05)
    time.sleep(1.0)
    proc.kill()
    proc.wait()
    assert (root / "warehouse.duckdb").read_bytes() == before
    (root / "models/slow.sql").unlink()
    res = cli(root, "build")
    assert res.code == 0, res.text


def test_bad_seed_value_names_file_line_column_and_type(make_project, cli):
    root = make_project({
        "seeds/gates.csv": "gate_id,opened_year\n1,1990\n2,\"about 2004\"\n3,2010\n",
        "seeds/props.yml": """
            seeds:
              - name: gates
                config:
                  column_types: {gate_id: integer, opened_year: integer}
            """,
        "models/later.sql": "select * from {{ ref('gates') }}",
    })
    res = cli(root, "build")
    assert res.code == 1
    assert "seeds/gates.csv:3:" in res.out
    assert "about 2004" in res.out and "INTEGER" in res.out
    assert "SKIP" in res.out, "models on a failed seed are skipped"
    assert "Traceback" not in res.text
