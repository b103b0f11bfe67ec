"""Model hooks (`pre-hook`, `post-hook`) and the project's `on-run-start`/`on-run-end`: they run
in the build's working copy, in dbt's order, with `this`, `execute` and (on-run-end)
`results`; one that fails fails its model (or the run) at the line that wrote it, and
nothing of the build is published."""

from __future__ import annotations

from dbt_fixture import dbt_project, failed_build, ok_build, query, write

HOOKED = """
name: shop
profile: shop
on-run-start:
  - "create table if not exists main.audit (event varchar, relation varchar, n bigint)"
  - "insert into main.audit values ('start', null, null)"
on-run-end:
  - "{% for r in results %}insert into main.audit values
      ('end:' || '{{ r.status }}', '{{ r.node.unique_id }}', null);{% endfor %}"
models:
  shop:
    +post-hook: "insert into main.audit values ('folder post', '{{ this }}', null)"
"""


def events(root):
    return query(root, "select event, relation, n from main.audit order by rowid")


def test_hooks_run_in_dbt_order_and_see_this(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "seeds/sales.csv": "region,amount\nnorth,10\nsouth,7\n",
        "models/totals.sql": """
            {{ config(materialized='table',
                      pre_hook="insert into main.audit values ('pre', '{{ this }}', null)",
                      post_hook=["insert into main.audit select 'rows', '{{ this }}',
                                  count(*) from {{ this }}"]) }}
            select region, sum(amount) as total from {{ ref('sales') }} group by region
            """,
    }, project=HOOKED)
    ok_build(root)
    assert events(root) == [
        ("start", None, None),
        ("pre", '"main"."totals"', None),
        ("folder post", '"main"."totals"', None),  # the folder's hooks first, as dbt
        ("rows", '"main"."totals"', 2),  # the post-hook sees the table it follows
        ("end:success", "seed.shop.sales", None),  # results in the order they ran
        ("end:success", "model.shop.totals", None),
    ]


def test_a_post_hook_writes_an_audit_row_per_build(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/m.sql": """
            {{ config(post_hook="insert into main.audit
                                 values ('built', '{{ this.identifier }}', 1)") }}
            select 1 as x
            """,
    }, project=HOOKED.split("models:")[0])
    ok_build(root)
    ok_build(root, full_refresh=True)
    assert [e for e in events(root) if e[0] == "built"] == [("built", "m", 1)] * 2


def test_on_run_end_sees_every_result_with_its_status(tmp_path):
    """`results` holds the tests' results too (status `pass`, `warn`), each node named by
    dbt's unique id. (A build with a failure publishes nothing: on-run-end, whose effects
    would be discarded with it, runs only for a build that will be published.)"""
    root = dbt_project(tmp_path / "p", {
        "models/m.sql": "select 1 as x union all select null",
        "models/m.yml": """
            models:
              - name: m
                columns:
                  - name: x
                    data_tests:
                      - unique
                      - not_null: {config: {severity: warn}}
            """,
    }, project=HOOKED.split("models:")[0])
    ok_build(root)
    ended = sorted(e[:2] for e in events(root) if e[0].startswith("end:"))
    assert ended == [("end:pass", "test.shop.unique_m_x"),
                     ("end:success", "model.shop.m"),
                     ("end:warn", "test.shop.not_null_m_x")]


def test_a_failing_post_hook_fails_its_model_at_the_line_that_wrote_it(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/m.sql": """
            select 1 as x
            {{ config(post_hook="insert into main.no_such_table values (1)") }}
            """,
        "models/child.sql": "select * from {{ ref('m') }}",
    })
    result, out = failed_build(root)
    statuses = {r.node_id.name: r.status for r in result.results}
    assert statuses == {"m": "error", "child": "skipped"}
    assert "post-hook failed" in out and "no_such_table" in out
    assert "models/m.sql:2" in out
    assert not (root / "shop.duckdb").exists()


def test_a_failing_on_run_start_hook_names_dbt_project_yml(tmp_path, cli):
    root = dbt_project(tmp_path / "p", {"models/m.sql": "select 1 as x"},
                       project="name: shop\nprofile: shop\non-run-start:\n"
                               "  - \"insert into main.missing values (1)\"\n")
    res = cli(root, "build")
    assert res.code != 0
    assert "on-run-start failed" in res.text and "dbt_project.yml:4" in res.text
    assert "missing" in res.text and "Traceback" not in res.text
    assert not (root / "shop.duckdb").exists()


def test_hooks_render_with_vars_and_execute(tmp_path):
    root = dbt_project(tmp_path / "p", {
        "models/m.sql": """
            {{ config(post_hook="insert into main.audit
                                 values ('{{ var('label') }}', '{{ execute }}', 0)") }}
            select 1 as x
            """,
    }, project=HOOKED.split("models:")[0] + "vars:\n  label: nightly\n")
    ok_build(root)
    assert ("nightly", "True", 0) in events(root)
    write(root, "models/m.sql", "select 2 as x")  # no hook any more: no new row
    ok_build(root, vars={"label": "other"})
    assert not [e for e in events(root) if e[0] == "other"]


def test_a_hook_in_a_property_file_renders_when_it_runs(tmp_path):
    """Beside a config rendered at load (`alias` from a var), the property file's hook stays
    a template until its model runs: `this` is the model's relation then."""
    root = dbt_project(tmp_path / "p", {
        "models/m.sql": "select 1 as x",
        "models/m.yml": """
            models:
              - name: m
                config:
                  alias: "m_{{ var('suffix', 'dev') }}"
                  post-hook: "insert into main.audit values ('yaml', '{{ this }}', null)"
            """,
    }, project=HOOKED.split("models:")[0])
    ok_build(root)
    assert ("yaml", '"main"."m_dev"', None) in events(root)
