"""Unit test inputs read from sources: given rows stand in for a table that need not exist
(nothing is built or read for it), typed by the columns the sources YAML declares."""

from __future__ import annotations

SOURCES = """
    version: 2
    sources:
      - name: shop
        schema: raw
        tables:
          - name: orders
            columns:
              - name: id
              - name: amount
                data_type: decimal(10, 2)
              - name: placed_at
                data_type: timestamp
"""

DAILY = """
    select id, amount * 2 as doubled, date_trunc('day', placed_at) as day
    from {{ source('shop', 'orders') }}
"""

TEST = """
    version: 2
    unit_tests:
      - name: doubles_and_days
        model: daily
        given:
          - input: source('shop', 'orders')
            rows:
              - {id: 1, amount: 1.25, placed_at: '2024-03-01 18:30:00'}
              - {id: 2, amount: 3}
        expect:
          rows:
            - {id: 1, doubled: 2.5, day: 2024-03-01}
            - {id: 2, doubled: 6, day: null}
"""


def test_a_source_that_does_not_exist_is_given_by_its_rows(make_project, cli):
    root = make_project({"models/sources.yml": SOURCES, "models/daily.sql": DAILY,
                         "models/unit.yml": TEST})
    done = cli(root, "test", "--select", "test_type:unit")
    assert done.code == 0, done.text
    assert "PASS  unit test daily.doubles_and_days" in done.out


def test_a_wrong_value_from_a_source_input_is_shown_as_a_diff(make_project, cli):
    root = make_project({"models/sources.yml": SOURCES, "models/daily.sql": DAILY,
                         "models/unit.yml": TEST.replace("doubled: 2.5", "doubled: 2.6")})
    done = cli(root, "test", "--select", "test_type:unit")
    assert done.code == 1
    assert "id=1, day=2024-03-01 00:00:00: doubled expected 2.60, got 2.50" in done.out, \
        done.out
