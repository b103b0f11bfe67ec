"""The no-op answered from target/noop_stamp without loading the project (run/noop.py):
taken only when nothing it compares could have changed, and never a stale answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

BASE = {
    "seeds/people.csv": "id,name\n1,ann\n2,bob\n",
    "models/stg.sql": "select id, name from {{ ref('people') }}",
    "models/wide.sql": "{{ config(materialized='table') }}\nselect id, upper(name) as name "
                       "from {{ ref('stg') }}",
    "models/schema.yml": "models:\n  - name: wide\n    columns:\n"
                         "      - name: id\n        data_tests: [unique, not_null]\n",
}
# Exit 0 normally; 10 if the command imported DuckDB, 20 Jinja, 40 PyYAML: the no-op
# answered from the stamp imports none of them.
SCRIPT = ("import sys; from warehouse.cli import main; code = main(sys.argv[1:]); "
          "sys.exit(code or 10 * ('_duckdb' in sys.modules or 'duckdb' in sys.modules)"
          " + 20 * ('jinja2' in sys.modules) + 40 * ('yaml' in sys.modules))")


def age(root: Path, seconds: float = 100) -> None:
    """Set every file's mtime in the past, as files not touched just now are."""
    then = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file() and "target" not in path.parts:
            os.utime(path, (then, then))


def run(root: Path, *args: str, env: dict[str, str] | None = None):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *(args or ("build",)),
                           "--project-dir", str(root)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout + proc.stderr


def statuses(root: Path) -> dict[str, str]:
    from warehouse.run.artifacts import result_statuses

    data = json.loads((root / "target/run_results.json").read_text())
    return result_statuses(data)


def test_a_no_op_after_a_build_loads_nothing(make_project):
    root = make_project(BASE)
    age(root)
    code, out = run(root)
    assert code in (0, 10, 30, 70), out
    assert (root / "target/noop_stamp").exists()
    code, out = run(root)
    assert code == 0, f"loaded the project or DuckDB (exit {code}):\n{out}"
    assert "Not run: 3 unchanged seeds and models and 2 tests" in out
    assert "UNCHANGED=3" in out and "TOTAL=5" in out
    assert set(statuses(root).values()) == {"unchanged", "pass"}
    assert len(statuses(root)) == 5


def test_an_edit_runs_what_it_changed(make_project):
    root = make_project(BASE)
    age(root)
    run(root)
    wide = root / "models/wide.sql"
    wide.write_text(wide.read_text().replace("upper(name)", "lower(name)"))
    code, out = run(root)
    assert code != 0 and "OK" in out and "main.wide" in out, out
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    assert con.execute("select name from main.wide order by id").fetchall() == [("ann",),
                                                                                 ("bob",)]
    con.close()


def test_a_file_written_just_before_the_build_leaves_no_stamp(make_project):
    root = make_project(BASE)  # files written now: their mtime could hide a later edit
    run(root)
    assert not (root / "target/noop_stamp").exists()


def test_an_edited_seed_of_the_same_size_is_seen(make_project):
    root = make_project(BASE)
    age(root)
    run(root)
    seed = root / "seeds/people.csv"
    seed.write_text(seed.read_text().replace("bob", "bea"))
    code, out = run(root)
    assert "OK" in out and "seed main.people" in out, out


def test_a_changed_warehouse_file_is_read_again(make_project):
    root = make_project(BASE)
    age(root)
    run(root)
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute("drop table main.wide")
    con.close()
    code, out = run(root)
    assert "OK" in out and "table main.wide" in out, "the dropped table is built again"


def test_other_selection_vars_or_environment_run_in_full(make_project):
    root = make_project({**BASE, "models/env.sql":
                         "select '{{ env_var(\"WH_REGION\", \"none\") }}' as region"})
    age(root)
    run(root, env={"WH_REGION": "north"})
    assert run(root, env={"WH_REGION": "north"})[0] == 0
    code, out = run(root, env={"WH_REGION": "south"})
    assert "OK" in out and "view main.env" in out, out
    code, out = run(root, "build", "--select", "stg")
    assert code != 0, "another selection is not answered from the stamp"
    code, out = run(root, "build", "--vars", "{x: 1}")
    assert code != 0


def test_sources_and_volatile_models_leave_no_stamp(make_project):
    for extra in ({"models/clock.sql": "select now() as at"},
                  {"models/src.yml": "sources:\n  - name: raw\n    schema: main\n"
                                     "    tables: [{name: people}]\n",
                   "models/from_src.sql": "select * from {{ source('raw', 'people') }}"}):
        root = make_project({**BASE, **extra}, name=f"p{len(extra)}")
        age(root)
        run(root)
        assert not (root / "target/noop_stamp").exists(), extra
        code, out = run(root)
        assert code != 0, "the no-op ran in full, reading what can change outside"


def test_show_unchanged_lists_every_node(make_project):
    root = make_project(BASE)
    age(root)
    run(root)
    code, out = run(root, "build", "--show-unchanged")
    assert "SAME  table main.wide" in out, out


def _timeless(path: Path) -> dict:
    data = json.loads(path.read_text())
    data["metadata"].pop("generated_at")
    data.pop("elapsed_time")
    return data


def test_the_no_op_writes_the_run_results_a_full_no_op_run_writes(make_project):
    root = make_project(BASE)
    age(root)
    run(root)
    assert run(root)[0] == 0  # answered from the stamp
    answered = _timeless(root / "target/run_results.json")
    (root / "target/noop_stamp").unlink()
    code, out = run(root)  # the same no-op, loaded and planned in full
    assert code in (0, 10, 30, 70), out
    assert _timeless(root / "target/run_results.json") == answered
    assert len(answered["results"]) == 5


def test_the_results_are_copied_whole_whichever_way_the_system_copies(tmp_path, monkeypatch):
    from warehouse.run import noop

    rest = tmp_path / "rest"
    rest.write_bytes(b"header line\n" + b'[{"a": "\\u00e9"}' + b', {"b": 1}' * 50_000 + b"]")
    expected = b'{"x": 1, "results": ' + rest.read_bytes().split(b"\n", 1)[1] + b"}"
    for broken in (False, True):
        if broken:
            def refuse(*args):
                raise OSError("not here")

            monkeypatch.setattr(os, "copy_file_range", refuse)
        with open(rest, "rb") as handle:
            handle.readline()
            noop._write_results(tmp_path / "out.json", b'{"x": 1, "results": ', handle)
        assert (tmp_path / "out.json").read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "rest"]  # no temp


def test_a_no_op_from_the_stamp_does_not_import_the_parse_cache(make_project):
    root = make_project(BASE)
    age(root)
    run(root)
    script = ("import sys; from warehouse.cli import main; code = main(sys.argv[1:]); "
              "sys.exit(code or 3 * ('warehouse.compile.parse_cache' in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", script, "build", "--project-dir", str(root)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "UNCHANGED=3" in proc.stdout
