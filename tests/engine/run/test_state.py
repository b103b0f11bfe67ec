"""Fingerprints, the state stored in the warehouse, skipping unchanged nodes, state:modified."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
from wh_helpers import build, rows

from warehouse.adapters.duckdb.state import STAMP_NAME, STATE_RELATION, read_published_state
from warehouse.compile.fingerprint import normalize_sql
from warehouse.compile.load import load_project
from warehouse.core.identity import NodeId, NodeKind

BASE = {
    "seeds/people.csv": "id,name\n1,An\n2,Binh\n",
    "seeds/props.yml": """
        seeds:
          - name: people
            config:
              column_types: {id: integer, name: varchar}
        """,
    "models/stg.sql": "select id, name from {{ ref('people') }}",
    "models/wide.sql": "{{ config(materialized='table') }}\n"
                       "select id, upper(name) as name from {{ ref('stg') }}",
    "models/other.sql": "{{ config(materialized='table') }}\nselect 42 as answer",
    "models/schema.yml": """
        models:
          - name: wide
            description: Wide people.
            columns:
              - name: id
                data_tests: [unique, not_null]
        """,
}


def model(name: str) -> NodeId:
    return NodeId(NodeKind.MODEL, name)


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def fps(root: Path, **kwargs):
    return load_project(root, **kwargs).fingerprints


def statuses(result) -> dict[str, str]:
    return {str(r.node_id): r.status + ("(reused)" if r.detail.get("reused") else "")
            for r in result.results}


def ran(result) -> set[str]:
    return {str(r.node_id) for r in result.results
            if r.status != "unchanged" and not r.detail.get("reused")}


# --------------------------------------------------------------------- fingerprints


def test_normalized_sql_ignores_layout_and_comments_but_not_case():
    a = normalize_sql("select id, 'A  b' as Name -- who\nfrom t /* all */ where x >= 1;")
    b = normalize_sql("select id,\n    'A  b' as Name\nfrom t where x>=1")
    assert a == b
    assert normalize_sql("select 'a b'") != normalize_sql("select 'a  b'")
    assert normalize_sql("select 1 as Name") != normalize_sql("select 1 as name")
    assert normalize_sql("select 1 from t") != normalize_sql("select 2 from t")
    # DuckDB names these columns as written: `FROM` or `from`, `... AS DATE` or `AS date`
    assert normalize_sql("select 1 as FROM") != normalize_sql("select 1 as from")
    assert normalize_sql("select DATE '2020-01-01'") != normalize_sql("select date '2020-01-01'")
    assert normalize_sql("SELECT 1") != normalize_sql("select 1")
    assert normalize_sql("select 'été'  -- c") == normalize_sql("select\n'été'")


def test_sql_the_tokenizer_cannot_read_falls_back_to_whitespace_normalized_text(monkeypatch):
    from warehouse.adapters.duckdb.parser import DuckDBParser

    def refuse(self, sql):
        raise RuntimeError("unreadable")

    monkeypatch.setattr(DuckDBParser, "tokens", refuse)
    assert normalize_sql("select  'open\n string") == "select 'open string"


def test_an_unterminated_string_is_still_told_apart_by_what_it_holds():
    assert normalize_sql("select 'open string") != normalize_sql("select 'open strung")


def test_layout_only_edits_keep_every_fingerprint(make_project):
    root = make_project(BASE)
    before = fps(root)
    write(root, "models/stg.sql", "-- staging\nselect id,\n       name\nfrom {{ ref('people') }}\n")
    assert fps(root) == before


def test_a_change_of_case_that_renames_a_column_rebuilds_the_model(make_project):
    """DuckDB names `date '2020-01-01'` by its keyword as written: a fingerprint that
    folded keywords' case kept the old column name, reporting the model unchanged."""
    root = make_project({"models/m.sql": "select date '2020-01-01' as d0, date '2020-01-01'"})
    build(root)
    write(root, "models/m.sql", "select DATE '2020-01-01' as d0, DATE '2020-01-01'")
    assert ran(build(root)[0]) == {"model.m"}
    names = [r[0] for r in rows(root, "select column_name from information_schema.columns "
                                      "where table_name = 'm' order by ordinal_position")]
    assert names == ["d0", "CAST('2020-01-01' AS DATE)"]


def test_an_edit_changes_the_model_and_everything_below_it_only(make_project):
    root = make_project(BASE)
    before = fps(root)
    write(root, "models/stg.sql", "select id, name || '!' as name from {{ ref('people') }}")
    after = fps(root)
    changed_local = {str(n) for n in after if after[n].local != before[n].local}
    changed_full = {str(n) for n in after if after[n].full != before[n].full}
    assert changed_local == {"model.stg"}
    assert changed_full == {"model.stg", "model.wide", "test.unique_wide_id",
                            "test.not_null_wide_id"}


def test_descriptions_tags_and_tests_do_not_change_model_fingerprints(make_project):
    root = make_project(BASE)
    before = fps(root)
    write(root, "models/schema.yml", """
        models:
          - name: wide
            description: Another description.
            config:
              tags: [nightly]
            columns:
              - name: id
                description: The key.
                data_tests: [unique]
        """)
    after = fps(root)
    for node_id in before:
        if node_id.kind is not NodeKind.TEST:
            assert after[node_id] == before[node_id], node_id
    assert NodeId(NodeKind.TEST, "not_null_wide_id") not in after
    assert after[NodeId(NodeKind.TEST, "unique_wide_id")] == before[
        NodeId(NodeKind.TEST, "unique_wide_id")]


def test_config_that_shapes_the_relation_changes_the_fingerprint(make_project):
    root = make_project(BASE)
    before = fps(root)[model("other")]
    write(root, "models/other.sql", "{{ config(materialized='view') }}\nselect 42 as answer")
    assert fps(root)[model("other")].local != before.local
    write(root, "models/other.sql",
          "{{ config(materialized='table', schema='marts') }}\nselect 42 as answer")
    assert fps(root)[model("other")].local != before.local


def test_seed_content_and_declared_types_change_the_seed(make_project):
    root = make_project(BASE)
    seed = NodeId(NodeKind.SEED, "people")
    first = fps(root)[seed]
    write(root, "seeds/people.csv", "id,name\n1,An\n2,Binh\n3,Chi\n")
    second = fps(root)[seed]
    assert second.local != first.local
    write(root, "seeds/props.yml", """
        seeds:
          - name: people
            config:
              column_types: {id: bigint, name: varchar}
        """)
    assert fps(root)[seed].local != second.local


def test_the_incremental_branch_is_part_of_an_incremental_models_fingerprint(make_project):
    body = """
        {{ config(materialized='incremental') }}
        select * from range(3) t(id)
        {% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
        """
    root = make_project({"models/inc.sql": body})
    before = fps(root)[model("inc")]
    write(root, "models/inc.sql", body.replace("max(id)", "max(id) - 1"))
    assert fps(root)[model("inc")].local != before.local


def test_vars_that_change_the_sql_change_the_fingerprint(make_project):
    root = make_project({"models/n.sql": "select {{ var('n', 1) }} as n"})
    assert fps(root, vars={"n": 2})[model("n")] != fps(root)[model("n")]
    assert fps(root, vars={"unused": 2})[model("n")] == fps(root)[model("n")]


# --------------------------------------------------------------------- skipping


def test_an_engine_that_builds_differently_rebuilds_what_it_built_before(make_project,
                                                                         monkeypatch):
    """A warehouse built by an engine whose relations differ from the same inputs (seed
    types, for one) is rebuilt, not kept as a fresh build would not give it."""
    import warehouse.compile.fingerprint as fingerprint

    root = make_project(BASE)
    monkeypatch.setattr(fingerprint, "FINGERPRINT_VERSION", "older")
    first, out = build(root)
    assert first.exit_code == 0, out
    monkeypatch.undo()
    second, out = build(root)
    assert second.exit_code == 0, out
    assert {"seed.people", "model.stg", "model.wide", "model.other"} <= ran(second), out


def test_a_second_build_with_nothing_changed_does_no_work(make_project):
    root = make_project(BASE)
    first, out = build(root)
    assert first.exit_code == 0, out
    db = root / "warehouse.duckdb"
    inode, mtime = db.stat().st_ino, db.stat().st_mtime_ns
    second, out = build(root)
    assert second.exit_code == 0, out
    assert statuses(second) == {
        "seed.people": "unchanged", "model.stg": "unchanged", "model.wide": "unchanged",
        "model.other": "unchanged", "test.unique_wide_id": "pass(reused)",
        "test.not_null_wide_id": "pass(reused)"}
    assert "main.wide" not in out, "unchanged nodes get no line of their own by default"
    assert "Not run: 4 unchanged seeds and models and 2 tests" in out
    assert "UNCHANGED=4" in out and "2 test results from the last build" in out
    _, listed = build(root, show_unchanged=True)
    assert "SAME  table main.wide" in listed and "[unchanged in" in listed
    assert not second.published
    assert (db.stat().st_ino, db.stat().st_mtime_ns) == (inode, mtime), "file not replaced"
    assert not db.with_name(db.name + ".work").exists()


def test_a_no_op_build_neither_imports_duckdb_nor_renders(make_project, cli):
    root = make_project(BASE)
    assert cli(root, "build").code == 0
    script = ("import sys; from warehouse.cli import main; code = main(['build', "
              f"'--project-dir', {str(root)!r}]); "
              "sys.exit(code or 10 * ('_duckdb' in sys.modules or 'duckdb' in sys.modules)"
              " + 20 * ('jinja2' in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "UNCHANGED=4" in proc.stdout
    con = duckdb.connect(str(root / "warehouse.duckdb"))  # any write changes the file
    con.execute("create table scratch as select 1 as x")
    con.close()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 10, "a changed file is read again, with DuckDB"


def test_state_is_stored_in_the_published_warehouse(make_project):
    root = make_project(BASE)
    build(root)
    project = load_project(root)
    stored = dict(rows(root, f"select unique_id, fingerprint from {STATE_RELATION.sql}"))
    assert stored == {str(n): f.full for n, f in project.fingerprints.items()
                      if n.kind is not NodeKind.SOURCE}
    assert rows(root, f"select status, failures from {STATE_RELATION.sql} "
                      "where unique_id = 'test.unique_wide_id'") == [("pass", 0)]


def test_changing_a_leaf_rebuilds_it_and_its_tests_only(make_project):
    root = make_project(BASE)
    build(root)
    write(root, "models/wide.sql", "{{ config(materialized='table') }}\n"
                                   "select id, lower(name) as name from {{ ref('stg') }}")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert ran(result) == {"model.wide", "test.unique_wide_id", "test.not_null_wide_id"}
    assert rows(root, "select * from wide order by id") == [(1, "an"), (2, "binh")]


def test_changing_a_seed_rebuilds_everything_below_it_and_nothing_else(make_project):
    root = make_project(BASE)
    build(root)
    write(root, "seeds/people.csv", "id,name\n1,An\n2,Binh\n3,Chi\n")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert ran(result) == {"seed.people", "model.stg", "model.wide", "test.unique_wide_id",
                           "test.not_null_wide_id"}
    assert rows(root, "select * from wide order by id") == [(1, "AN"), (2, "BINH"), (3, "CHI")]
    assert rows(root, "select * from other") == [(42,)]


def test_a_changed_test_runs_again_and_nothing_else(make_project):
    root = make_project(BASE)
    build(root)
    schema = (root / "models/schema.yml").read_text()
    write(root, "models/schema.yml", schema.replace(
        "[unique, not_null]", "[unique, not_null, {accepted_values: {values: [1, 2], "
                              "quote: false}}]"))
    result, out = build(root)
    assert result.exit_code == 0, out
    [only] = ran(result)
    assert only.startswith("test.accepted_values_wide_id")


def test_a_description_edit_builds_nothing(make_project):
    root = make_project(BASE)
    build(root)
    schema = (root / "models/schema.yml").read_text()
    write(root, "models/schema.yml", schema.replace("Wide people.", "People, wide."))
    result, _ = build(root)
    assert ran(result) == set()


def test_full_refresh_rebuilds_everything(make_project):
    root = make_project(BASE)
    build(root)
    result, _ = build(root, full_refresh=True)
    assert ran(result) == set(statuses(result))


def test_a_dropped_relation_is_rebuilt_with_what_reads_it(make_project):
    root = make_project(BASE)
    build(root)
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute("drop table wide")
    con.close()
    result, out = build(root)
    assert result.exit_code == 0, out
    assert ran(result) == {"model.wide", "test.unique_wide_id", "test.not_null_wide_id"}
    assert rows(root, "select count(*) from wide") == [(2,)]


def test_an_incremental_model_runs_its_step_on_every_build_as_in_dbt(make_project):
    """Its step may add rows however unchanged its inputs look (new data the engine cannot
    see, the clock): it always runs, and its usual `is_incremental()` filter keeps a run
    on unchanged data from adding anything. What reads it runs after it."""
    root = make_project({
        "models/inc.sql": """
            {{ config(materialized='incremental') }}
            select * from range({{ var('n', 3) }}) t(id)
            {% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
            """,
        "models/after.sql": "select count(*) as n from {{ ref('inc') }}",
    })
    build(root)
    result, _ = build(root)
    assert ran(result) == {"model.inc", "model.after"}
    assert {str(r.node_id): r.detail.get("reason") for r in result.results} == {
        "model.inc": "incremental", "model.after": "upstream runs"}
    assert rows(root, "select count(*) from inc") == [(3,)]
    result, _ = build(root, vars={"n": 5})
    assert rows(root, "select count(*) from inc") == [(5,)]
    assert rows(root, "select n from after") == [(5,)]


def test_a_failed_build_stores_nothing_and_the_next_build_retries(make_project):
    root = make_project(BASE)
    build(root)
    write(root, "models/stg.sql", "{{ config(materialized='table') }}\n"
                                  "select id, name, 'x'::integer as bad from {{ ref('people') }}")
    failed, _ = build(root)
    assert failed.exit_code == 1
    write(root, "models/stg.sql", "select id, name || '?' as name from {{ ref('people') }}")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert {"model.stg", "model.wide"} <= ran(result)
    assert rows(root, "select name from wide order by id") == [("AN?",), ("BINH?",)]


def test_a_descendant_left_out_of_a_selection_is_rebuilt_by_the_next_build(make_project):
    root = make_project(BASE)
    build(root)
    write(root, "models/stg.sql", "select id, name || '!' as name from {{ ref('people') }}")
    partial, _ = build(root, select=["stg"])
    assert ran(partial) == {"model.stg"}
    # The planner alone: a build from the spare file (adapters/duckdb/spare.py) also runs
    # again what the last build ran, here stg (tests/engine/adapters/test_spare.py).
    (root / "warehouse.duckdb.spare.json").unlink()
    result, _ = build(root)
    assert ran(result) == {"model.wide", "test.unique_wide_id", "test.not_null_wide_id"}
    assert rows(root, "select name from wide order by id") == [("AN!",), ("BINH!",)]


def test_the_run_command_leaves_tests_to_run_again(make_project):
    root = make_project(BASE)
    build(root)
    build(root, command="run", full_refresh=True)
    result, _ = build(root, command="test")
    assert ran(result) == {"test.unique_wide_id", "test.not_null_wide_id"}


def test_a_read_only_reader_does_not_stop_a_no_op_or_a_changing_build(make_project):
    root = make_project(BASE)
    build(root)
    reader = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        (root / "target" / STAMP_NAME).unlink()  # so the state is read from the file itself
        no_op, out = build(root)
        assert no_op.exit_code == 0 and ran(no_op) == set(), out
        write(root, "models/other.sql", "{{ config(materialized='table') }}\nselect 43 as answer")
        result, out = build(root)
        assert result.exit_code == 0 and result.published, out
        assert reader.execute("select * from other").fetchall() == [(42,)], "old view kept"
    finally:
        reader.close()
    assert rows(root, "select * from other") == [(43,)]


def test_a_warn_test_reused_still_shows_its_failing_rows(make_project):
    files = dict(BASE)
    files["models/schema.yml"] = """
        models:
          - name: wide
            columns:
              - name: id
                data_tests:
                  - accepted_values: {values: [1], quote: false, config: {severity: warn}}
        """
    root = make_project(files)
    first, out = build(root)
    assert first.exit_code == 0 and "WARN" in out
    second, out = build(root)
    [warned] = [s for n, s in statuses(second).items() if n.startswith("test.accepted")]
    assert warned == "warn(reused)"
    assert "1 failing row" in out and "stored result" in out


# --------------------------------------------------------------------- artifacts, selection


def test_manifest_carries_both_fingerprints(make_project, cli):
    root = make_project(BASE)
    assert cli(root, "build").code == 0
    data = json.loads((root / "target/manifest.json").read_text())
    project = load_project(root)
    entry = data["nodes"][f"model.{project.config.name}.wide"]["meta"]["warehouse"]
    assert entry["fingerprint"] == project.fingerprints[model("wide")].full
    assert entry["local_fingerprint"] == project.fingerprints[model("wide")].local
    res = cli(root, "build")
    assert res.code == 0 and "UNCHANGED=4" in res.out
    results = ours(root)  # dbt's statuses are success and pass; ours say unchanged
    assert {r["status"] for r in results} == {"unchanged", "pass"}
    assert all(r["reused"] for r in results if r["status"] == "pass")
    write(root, "models/stg.sql", "select id, name || '!' as name from {{ ref('people') }}")
    assert cli(root, "build").code == 0
    reasons = {r["node"]: r["reason"] for r in ours(root) if r["reason"]}
    assert reasons == {"model.stg": "changed", "model.wide": "parent changed",
                       "test.unique_wide_id": "parent changed",
                       "test.not_null_wide_id": "parent changed"}


def ours(root):
    """The engine's own fields of each result in run_results.json."""
    results = json.loads((root / "target/run_results.json").read_text())["results"]
    return [r["adapter_response"]["warehouse"] for r in results]


def test_state_modified_selects_what_was_edited_and_plus_what_depends_on_it(make_project):
    root = make_project(BASE)
    build(root)
    write(root, "models/stg.sql", "select id, name || '!' as name from {{ ref('people') }}")
    from warehouse.run.plan import select_nodes
    from warehouse.run.results import RunOptions
    from warehouse.run.state import selection_state

    project = load_project(root)
    stored = read_published_state(project.database_path)

    def pick(*select: str) -> set[str]:
        options = RunOptions(select=select)
        state = selection_state(project, options, stored, None)
        return {str(n) for n in select_nodes(project, options, state)}

    assert pick("state:modified") == {"model.stg"}
    assert pick("state:modified+") == {"model.stg", "model.wide", "test.unique_wide_id",
                                       "test.not_null_wide_id"}
    write(root, "models/new_one.sql", "select 1 as x")
    project = load_project(root)
    assert pick("state:new") == {"model.new_one"}


def test_ls_and_compile_read_the_stored_state_too(make_project, cli):
    root = make_project(BASE)
    assert cli(root, "build").code == 0
    write(root, "models/wide.sql", "{{ config(materialized='table') }}\n"
                                   "select id, lower(name) as name from {{ ref('stg') }}")
    res = cli(root, "ls", "--select", "state:modified", "--resource-type", "model")
    assert res.code == 0 and res.out.split() == ["model.wide"], res.text
    res = cli(root, "compile", "--select", "state:modified+")
    assert res.code == 0 and "compiled 3 nodes" in res.err, res.text


def test_state_modified_build_on_the_command_line(make_project, cli):
    root = make_project(BASE)
    res = cli(root, "build", "--select", "state:modified")
    assert res.code == 2 and "needs a previous run" in res.err
    assert cli(root, "build").code == 0
    write(root, "models/other.sql", "{{ config(materialized='table') }}\nselect 7 as answer")
    res = cli(root, "build", "--select", "state:modified+")
    assert res.code == 0, res.text
    assert "1 of 1 OK" in res.out
    assert rows(root, "select * from other") == [(7,)]


def test_state_cannot_be_read_while_another_process_writes_the_file(make_project, cli):
    root = make_project(BASE)
    assert cli(root, "build").code == 0
    writer = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        writer.execute("create table scratch as select 1 as x")  # a WAL: the file changed
        res = cli(root, "build", "--select", "state:modified")
        assert res.code == 2 and "cannot read the stored state" in res.err, res.text
    finally:
        writer.close()


def test_a_state_table_of_another_layout_means_everything_is_new(make_project):
    root = make_project(BASE)
    build(root)
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute(f"drop table {STATE_RELATION.sql}")
    con.execute(f"create table {STATE_RELATION.sql} (unique_id varchar, checksum varchar)")
    con.execute(f"insert into {STATE_RELATION.sql} values ('model.wide', 'x')")
    con.close()
    result, out = build(root)
    assert result.exit_code == 0, out
    assert ran(result) == set(statuses(result))
    assert ran(build(root)[0]) == set(), "the table was replaced with this engine's layout"


def test_change_flows_through_a_node_left_out_of_the_selection():
    from warehouse.adapters.duckdb.state import NodeState, StoredState
    from warehouse.compile.fingerprint import Fingerprint
    from warehouse.core.identity import Relation
    from warehouse.run.plan import plan_run

    a, b, c, d = (model(n) for n in "abcd")
    parents = {a: (), b: (a,), c: (b,), d: ()}
    now = {n: Fingerprint(f"{n.name}1", f"{n.name}1") for n in parents}
    before = {n: "a0" if n == a else f"{n.name}1" for n in parents}  # only a was edited
    stored = StoredState({str(n): NodeState(str(n), before[n], before[n]) for n in parents},
                         relations=frozenset(("main", n.name) for n in parents), exists=True)
    relations = {n: Relation("main", n.name) for n in parents}
    plan = plan_run([a, c, d], [a, b, c, d], parents, now, stored, relations)
    assert plan.run == {a, c} and plan.unchanged == {d}
    assert plan.reasons == {a: "changed", c: "upstream runs"}
    assert plan_run([c, d], [a, b, c, d], parents, now, stored, relations).run == set()
    assert plan_run([d], [a, b, c, d], parents, now, stored, relations,
                    full_refresh=True).run == {d}


# --------------------------------------------------------------------- one plan per run


def test_the_runner_plans_once_and_again_only_when_the_warehouse_changed_meanwhile(
        make_project, monkeypatch):
    import warehouse.run.runner as runner
    from warehouse.adapters.base import StoredState

    root = make_project(BASE)
    build(root)
    plans = []
    real_plan_for = runner.plan_for

    def counting_plan_for(project, options, order, stored, sources=None):
        plans.append(stored)
        return real_plan_for(project, options, order, stored, sources)

    monkeypatch.setattr(runner, "plan_for", counting_plan_for)
    write(root, "models/other.sql", "{{ config(materialized='table') }}\nselect 43 as answer")
    result, _ = build(root)
    assert len(plans) == 1, "the work copy holds the state the plan was made from"
    assert ran(result) == {"model.other"}

    # The published state as it was read is not the warehouse the build works on (as
    # when another build publishes in between): the plan is made again, from the copy.
    write(root, "models/other.sql", "{{ config(materialized='table') }}\nselect 44 as answer")
    monkeypatch.setattr(runner, "published_state", lambda adapter: (StoredState(), None))
    plans.clear()
    result, _ = build(root)
    assert len(plans) == 2 and plans[0] == StoredState() and plans[1].exists
    assert ran(result) == {"model.other"}, "planned from the copy: the rest is unchanged"
    assert rows(root, "select answer from main.other") == [(44,)]
