"""Enforced contracts: a query that breaks its contract (a type, a missing or an extra
column) or a row that breaks a `not_null` constraint fails its model at the line the user
fixes, and nothing of the build is published; a kept contract builds the table with the
contract's types, order and constraints."""

from __future__ import annotations

import pytest

from tests.wh_helpers import build, rows
from warehouse.core.errors import ProjectError

CONTRACT = """
    models:
      - name: orders
        config:
          materialized: table
          contract: {enforced: true}
        columns:
          - name: id
            data_type: integer
            constraints:
              - type: not_null
          - name: amount
            data_type: decimal(10, 2)
    """
GOOD = "select 1 as id, 2.5::decimal(10, 2) as amount"


def project(make_project, sql: str = GOOD, yaml: str = CONTRACT):
    return make_project({"models/orders.sql": sql, "models/orders.yml": yaml,
                         "models/totals.sql": "select sum(amount) as total from "
                                              "{{ ref('orders') }}"})


def test_a_kept_contract_builds_its_types_order_and_constraints(make_project):
    """The contract's order, not the query's; its types as declared; NOT NULL on id."""
    root = project(make_project, "select 2.5::decimal(10, 2) as amount, 1 as id")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert rows(root, "select column_name, data_type, is_nullable from "
                      "information_schema.columns where table_name = 'orders' "
                      "order by ordinal_position") == [
        ("id", "INTEGER", "NO"), ("amount", "DECIMAL(10,2)", "YES")]
    assert rows(root, "select total::double from totals") == [(2.5,)]


def broken(make_project, sql: str, yaml: str = CONTRACT):
    """Build the good project, then break it: the second build's output (it must fail,
    and the published tables must be those of the first)."""
    root = project(make_project, yaml=yaml)
    assert build(root)[0].exit_code == 0
    (root / "models" / "orders.sql").write_text(sql)
    result, out = build(root)
    assert result.exit_code != 0, out
    assert rows(root, "select id, amount::double from orders") == [(1, 2.5)]
    assert "Nothing published" in out or "nothing of it was built" in out, out
    return out


def test_a_type_that_differs_is_located_at_its_yaml_line(make_project):
    out = broken(make_project, "select 1 as id, 'x' as amount")
    assert "models/orders.yml:11" in out, out
    assert "the contract says DECIMAL(10,2), the query gives VARCHAR" in out, out
    assert "totals" in out and "skipped" in out, out  # downstream not built on a bad table


def test_a_column_missing_from_the_query(make_project):
    out = broken(make_project, "select 1 as id")
    assert "models/orders.yml:11" in out, out
    assert "'amount' (DECIMAL(10,2)) is in the contract but not in the query" in out, out


def test_a_column_the_contract_lacks_is_located_in_the_model(make_project):
    out = broken(make_project, "select 1 as id,\n  2.5::decimal(10, 2) as amount,\n"
                               "  'x' as note")
    assert "models/orders.sql:3" in out, out
    assert "'note' (VARCHAR) is in the query but not in the contract" in out, out


def test_a_null_in_a_not_null_column(make_project):
    out = broken(make_project, "select null::int as id, 2.5::decimal(10, 2) as amount")
    assert "models/orders.yml:7" in out, out
    assert "NOT NULL constraint failed" in out, out


def test_an_unknown_data_type_is_located(make_project):
    root = project(make_project, yaml=CONTRACT.replace("decimal(10, 2)", "money_type"))
    result, out = build(root)
    assert result.exit_code != 0
    assert "models/orders.yml:11" in out and "money_type" in out, out


@pytest.mark.parametrize("yaml, words", [
    (CONTRACT.replace("            data_type: integer\n", ""),
     ["'id'", "no data_type", "models/orders.yml:7"]),
    (CONTRACT.replace("type: not_null", "type: never_null"),
     ["never_null", "models/orders.yml:10"]),
])
def test_a_contract_that_cannot_be_checked_fails_its_model(make_project, yaml, words):
    root = project(make_project, yaml=yaml)
    try:
        result, out = build(root)
    except ProjectError as error:  # refused at load, with its place
        out = str(error)
    else:
        assert result.exit_code != 0
    assert all(w in out for w in words), out


def test_an_incremental_contract_needs_append_or_fail(make_project):
    """dbt's rule: an incremental model with an enforced contract may only append columns
    or fail on a change; otherwise the model fails at the key, and once set it builds."""
    sql = "{{ config(materialized='incremental') }}\n" + GOOD
    root = project(make_project, sql)
    try:
        result, out = build(root)
    except ProjectError as error:
        out = str(error)
    else:
        assert result.exit_code != 0
    assert "on_schema_change" in out and "'append_new_columns' or 'fail'" in out, out
    assert "models/orders.yml:5" in out, out  # the contract: key
    (root / "models" / "orders.sql").write_text(
        "{{ config(materialized='incremental', on_schema_change='fail') }}\n" + GOOD)
    for _ in range(2):
        result, out = build(root)
        assert result.exit_code == 0, out
    assert rows(root, "select id, amount::double from orders") == [(1, 2.5), (1, 2.5)]
