"""Unit tests (dbt's `unit_tests:`): each format, overrides, the diff a failure prints, where
they run in `build`, and how they are selected."""

from __future__ import annotations

import re

import pytest

from tests.wh_helpers import build, rows
from warehouse.compile.load import load_project
from warehouse.core.identity import NodeKind

ORDERS = {
    "seeds/raw_orders.csv": """
        id,customer,amount,ordered_on
        1,ann,10.5,2024-01-01
        2,bob,20,2024-01-02
        """,
    "models/stg_orders.sql": "select id, customer, amount, ordered_on from {{ ref('raw_orders') }}",
    "models/customer_totals.sql": """
        select customer, sum(amount) as total, count(*) as orders,
               max(ordered_on) + interval 30 day as due_on
        from {{ ref('stg_orders') }}
        group by customer
        """,
    "models/report.sql": "select * from {{ ref('customer_totals') }}",
}


def unit_yaml(*tests: str) -> str:
    return "version: 2\nunit_tests:\n" + "\n".join(tests)


SUMS = """
  - name: sums_per_customer
    model: customer_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {customer: x, amount: 1, ordered_on: 2024-01-31}
          - {customer: x, amount: 2}
          - {customer: y, amount: 5, ordered_on: '2024-02-29'}
    expect:
      rows:
        - {customer: x, total: 3, orders: 2, due_on: 2024-03-01}
        - {customer: y, total: 5, orders: 1, due_on: 2024-03-30}
"""


def project(make_project, *tests: str, **extra: str):
    return make_project({**ORDERS, "models/unit.yml": unit_yaml(*tests), **extra})


def test_dict_rows_typed_like_the_real_input_pass(make_project):
    """A date written as text is a DATE (the input's type), so date arithmetic works; columns
    not given are NULLs of their type; only the expected columns are compared."""
    root = project(make_project, SUMS)
    result, out = build(root)
    assert result.exit_code == 0, out
    assert "PASS  unit test customer_totals.sums_per_customer" in out
    unit = next(r for r in result.results if r.node_id.kind is NodeKind.UNIT_TEST)
    assert unit.detail["typed_by"] == {"ref('stg_orders')": "warehouse"}


def test_csv_inline_and_fixture_file_and_sql_formats(make_project):
    csv_inline = """
  - name: csv_inline
    model: customer_totals
    given:
      - input: ref('stg_orders')
        format: csv
        rows: |
          customer,amount,ordered_on
          x,1,2024-01-01
          x,2,
    expect:
      format: csv
      rows: |
        customer,total,due_on
        x,3,2024-01-31
"""
    fixture = """
  - name: csv_fixture
    model: customer_totals
    given:
      - input: ref('stg_orders')
        format: csv
        fixture: two_orders
    expect:
      format: sql
      fixture: two_orders_expected
"""
    sql = """
  - name: sql_rows
    model: customer_totals
    given:
      - input: ref('stg_orders')
        format: sql
        rows: |
          select 1 as id, 'z' as customer, 4.0 as amount, date '2024-01-01' as ordered_on
    expect:
      format: sql
      rows: "select 'z' as customer, 1 as orders"
"""
    root = project(make_project, csv_inline, fixture, sql, **{
        "tests/fixtures/two_orders.csv": "id,customer,amount,ordered_on\n1,q,7,\n2,q,,\n",
        "tests/fixtures/two_orders_expected.sql": "select 'q' as customer, 7 as total, "
                                                  "2 as orders, null as due_on\n"})
    result, out = build(root)
    assert result.exit_code == 0, out
    for name in ("csv_inline", "csv_fixture", "sql_rows"):
        assert f"PASS  unit test customer_totals.{name}" in out
    loaded = load_project(root)
    assert not any(n.kind is NodeKind.TEST for n in loaded.nodes), \
        "a .sql file under tests/fixtures is a fixture, not a singular test"


def test_a_failing_unit_test_prints_a_diff_and_skips_its_model(make_project):
    wrong = """
  - name: wrong_total
    model: customer_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {customer: x, amount: 1}
          - {customer: x, amount: 2}
          - {customer: y, amount: 5}
    expect:
      rows:
        - {customer: x, total: 4, orders: 2}
        - {customer: y, total: 5, orders: 1}
        - {customer: z, total: 1, orders: 1}
"""
    root = project(make_project, SUMS, wrong)
    result, out = build(root)
    assert result.exit_code == 1
    text = (root / "models/unit.yml").read_text()
    line = text[:text.index("- name: wrong_total")].count("\n") + 1
    block = out[out.index("FAIL unit test"):]
    lines = [line.strip() for line in block.splitlines()][:13]
    assert lines == [
        f"FAIL unit test customer_totals.wrong_total (model customer_totals; models/unit.yml:"
        f"{line}): 2 expected rows missing, 1 unexpected row",
        "compared as multisets on 3 columns (customer, total, orders): 3 rows expected,"
        " 2 rows returned",
        "expected but missing (2):",
        "customer | total | orders", "---------+-------+-------",
        "x        | 4.0   | 2", "z        | 1.0   | 1",
        "present but unexpected (1):",
        "customer | total | orders", "---------+-------+-------",
        "x        | 3.0   | 2",
        "column by column (each missing row beside the closest unexpected one):",
        "customer=x, orders=2: total expected 4.0, got 3.0"]
    statuses = {str(r.node_id): r.status for r in result.results}
    assert statuses["model.customer_totals"] == "skipped"
    assert statuses["model.report"] == "skipped", "and what is built on it"
    assert statuses["model.stg_orders"] == "success"
    assert not (root / "warehouse.duckdb").exists(), "nothing published"


def test_build_runs_each_unit_test_before_its_model(make_project):
    root = project(make_project, SUMS)
    _, out = build(root)
    order = [m.group(1) for m in re.finditer(r"^\d+ of \d+ \S+\s+(?:\w+ )+?(\S+) \.", out, re.M)]
    assert order.index("customer_totals.sums_per_customer") < order.index(
        "main.customer_totals")
    assert order.index("main.stg_orders") < order.index("customer_totals.sums_per_customer")


def test_overrides_vars_env_vars_and_macros(make_project, monkeypatch):
    monkeypatch.setenv("WH_REGION", "south")
    root = make_project({
        "pyproject.toml": "[tool.warehouse]\n[tool.warehouse.vars]\nrate = 2\n",
        "macros/m.sql": "{% macro today() %}current_date{% endmacro %}\n"
                        "{% macro stamp() %}{{ today() }}{% endmacro %}\n",
        "models/events.sql": "select 1 as id, 5 as qty",
        "models/scored.sql": """
            select id, qty * {{ var('rate') }} as score, {{ stamp() }} as seen_on,
                   '{{ env_var("WH_REGION") }}' as region
            from {{ ref('events') }}
            """,
        "models/unit.yml": unit_yaml("""
  - name: overridden
    model: scored
    overrides:
      macros: {today: "date '2030-01-01'"}
      vars: {rate: 3}
      env_vars: {WH_REGION: north}
    given:
      - input: ref('events')
        rows: [{id: 1, qty: 2}]
    expect:
      rows: [{id: 1, score: 6, seen_on: 2030-01-01, region: north}]
  - name: as_configured
    model: scored
    given:
      - input: ref('events')
        rows: [{id: 1, qty: 2}]
    expect:
      rows: [{id: 1, score: 4, region: south}]
""")})
    result, out = build(root)
    assert result.exit_code == 0, out
    assert out.count("PASS  unit test scored.") == 2
    assert rows(root, "select score, region from main.scored") == [(10, "south")], \
        "the model itself is built with the project's own values"


def test_incremental_model_this_input_and_is_incremental_override(make_project):
    incremental = """
            {{ config(materialized='incremental', unique_key='id') }}
            select id, qty from {{ ref('events') }}
            {% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
            """
    tests = """
  - name: new_rows_only
    model: growing
    overrides: {macros: {is_incremental: true}}
    given:
      - input: ref('events')
        rows: [{id: 1, qty: 1}, {id: 7, qty: 2}]
      - input: this
        rows: [{id: 5}]
    expect:
      rows: [{id: 7, qty: 2}]
  - name: first_build_takes_all
    model: growing
    overrides: {macros: {is_incremental: false}}
    given:
      - input: ref('events')
        rows: [{id: 1, qty: 1}, {id: 7, qty: 2}]
    expect:
      rows: [{id: 1}, {id: 7}]
"""
    root = make_project({"models/events.sql": "select 1 as id, 5 as qty",
                         "models/growing.sql": incremental, "models/unit.yml": unit_yaml(tests)})
    result, out = build(root)
    assert result.exit_code == 0, out
    assert out.count("PASS  unit test growing.") == 2


def test_a_seed_not_given_is_read_from_its_file(make_project):
    root = make_project({
        "seeds/rates.csv": "code,factor\na,10\nb,100\n",
        "models/priced.sql": "select o.code, o.qty * r.factor as price from {{ ref('orders') }} o "
                             "join {{ ref('rates') }} r using (code)",
        "models/orders.sql": "select 'a' as code, 1 as qty",
        "models/unit.yml": unit_yaml("""
  - name: rates_from_the_seed
    model: priced
    given:
      - input: ref('orders')
        rows: [{code: b, qty: 2}]
    expect:
      rows: [{code: b, price: 200}]
""")})
    result, out = build(root)
    assert result.exit_code == 0, out


def test_selection_by_type_name_model_tag_and_exclusion(make_project):
    tagged = SUMS.replace("    model: customer_totals\n",
                          "    model: customer_totals\n    config: {tags: [money]}\n", 1)
    root = project(make_project, tagged)
    loaded = load_project(root)
    from warehouse.run.results import RunOptions
    from warehouse.run.runner import selected_nodes

    def chosen(*select: str, exclude=(), command="test"):
        options = RunOptions(command=command, select=select, exclude=exclude)
        return sorted(str(n) for n in selected_nodes(loaded, options))

    unit = ["unit_test.customer_totals.sums_per_customer"]
    assert chosen("test_type:unit") == unit
    assert chosen("sums_per_customer") == unit
    assert chosen("test_name:sums_*") == unit
    assert chosen("customer_totals") == unit, "a model's unit tests come with it"
    assert chosen("tag:money") == unit
    assert chosen("resource_type:unit_test") == unit
    assert chosen("stg_orders") == []
    assert chosen("test_type:generic") == []
    assert chosen(exclude=["customer_totals"]) == []
    assert chosen("customer_totals", command="run") == ["model.customer_totals"]


def test_warehouse_test_runs_unit_tests_without_a_warehouse(make_project, cli):
    """No build yet: the inputs are typed by their own models' SQL or their rows, and no
    warehouse is made."""
    root = make_project({
        "models/base.sql": "select 1 as id, date '2024-01-01' as day",
        "models/later.sql": "select id, day + interval 1 day as next_day from {{ ref('base') }}",
        "models/props.yml": "models:\n  - name: later\n    data_tests: [{unique: "
                            "{column_name: id}}]\n",
        "models/unit.yml": unit_yaml("""
  - name: next_day
    model: later
    given:
      - input: ref('base')
        rows: [{id: 1, day: '2024-02-28'}]
    expect:
      rows: [{id: 1, next_day: '2024-02-29 00:00:00'}]
""")})
    done = cli(root, "test", "--select", "test_type:unit")
    assert done.code == 0, done.text
    assert "PASS  unit test later.next_day" in done.out
    assert not (root / "warehouse.duckdb").exists()
    assert not (root / "target" / "failed_build.duckdb").exists()
    assert cli(root, "test").code == 2, "data tests still need a warehouse"


def test_inputs_typed_by_their_rows_when_nothing_else_says(make_project, cli):
    root = make_project({
        "seeds/raw.csv": "id,day\n1,2024-01-01\n",
        "models/later.sql": "select id, day + 1 as next_day, note from {{ ref('raw') }}",
        "models/unit.yml": unit_yaml("""
  - name: next_day
    model: later
    given:
      - input: ref('raw')
        format: csv
        rows: |
          id,day
          1,2024-02-28
    expect:
      rows: [{id: 1, next_day: 2024-02-29}]
""")})
    done = cli(root, "test", "--select", "test_type:unit")
    assert done.code == 1
    assert 'Referenced column "note" not found' in done.out
    assert "ref('raw') had no relation in the warehouse, so its columns were taken from " \
           "its rows" in done.out


def test_documented_columns_exist_when_the_rows_leave_them_out(make_project, cli):
    """No warehouse, and an input whose own inputs are not there either: the columns its
    YAML documents are NULLs (typed when declared), so the model still binds."""
    root = make_project({
        "seeds/raw.csv": "id,day,note\n1,2024-01-01,x\n",
        "models/base.sql": "select id, day, note from {{ ref('raw') }}",
        "models/later.sql": "select id, day + 1 as next_day, coalesce(note, '-') as note "
                            "from {{ ref('base') }}",
        "models/props.yml": "models:\n  - name: base\n    columns:\n      - name: id\n"
                            "      - name: day\n        data_type: date\n      - name: note\n",
        "models/unit.yml": unit_yaml("""
  - name: next_day
    model: later
    given:
      - input: ref('base')
        rows: [{id: 1, day: '2024-02-28'}]
    expect:
      rows: [{id: 1, next_day: 2024-02-29, note: '-'}]
""")})
    done = cli(root, "test", "--select", "test_type:unit")
    assert done.code == 0, done.text
    assert "PASS  unit test later.next_day" in done.out


def test_a_changed_unit_test_runs_again_and_an_unchanged_one_is_reused(make_project):
    root = project(make_project, SUMS)
    build(root)
    again, _ = build(root)
    unit = next(r for r in again.results if r.node_id.kind is NodeKind.UNIT_TEST)
    assert unit.status == "pass" and unit.detail.get("reused"), "its stored result stands"
    path = root / "models/unit.yml"
    path.write_text(path.read_text().replace("total: 5, orders: 1", "total: 6, orders: 1"))
    result, out = build(root)
    assert result.exit_code == 1 and "total expected 6.0, got 5.0" in out


@pytest.mark.parametrize("bad, where", [
    ("expect: {rows: [{customer: x, totl: 3}]}",
     "Invalid column name: 'totl' in unit test fixture for expected output. Expect names a "
     "column the model does not return"),
    ("given: [{input: ref('stg_orders'), rows: [{customer: x, amout: 1}]}]",
     "Invalid column name: 'amout' in unit test fixture for 'stg_orders'. ref('stg_orders') "
     "has no such column (its columns, from the warehouse: id, customer, amount, ordered_on)"),
])
def test_a_column_that_does_not_exist_is_an_error_at_its_entry(make_project, bad, where):
    base = {"given": "given: [{input: ref('stg_orders'), rows: [{customer: x, amount: 1}]}]",
            "expect": "expect: {rows: [{customer: x, total: 1}]}"}
    base[bad.split(":")[0]] = bad
    test = f"""
  - name: columns
    model: customer_totals
    {base['given']}
    {base['expect']}
"""
    result, out = build(project(make_project, test))
    assert result.exit_code == 1
    assert where in out and "ERROR unit test customer_totals.columns" in out
    assert "models/unit.yml:" in out
