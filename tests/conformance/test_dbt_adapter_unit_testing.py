"""dbt's adapter cases for unit tests (dbt.tests.adapter.unit_testing), run against
`warehouse` through the same harness as the basic cases (see harness.py).

dbt-duckdb runs three of these classes (types, case insensitivity, invalid input); here
all five that dbt-tests-adapter 1.11 ships run, unchanged but for the types case, which
asks each adapter for the values its database has (the base class lists PostgreSQL's):
the list below is DuckDB's, written for this engine.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
from dbt.tests.adapter.unit_testing.test_case_insensitivity import BaseUnitTestCaseInsensivity
from dbt.tests.adapter.unit_testing.test_invalid_input import BaseUnitTestInvalidInput
from dbt.tests.adapter.unit_testing.test_quoted_reserved_word_column_names import (
    BaseUnitTestQuotedReservedWordColumnNames,
)
from dbt.tests.adapter.unit_testing.test_types import (
    BaseUnitTestingTypes,
    BaseUnitTestingVarcharFixtureNoTruncation,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Class-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning")


class TestUnitTestingTypes(BaseUnitTestingTypes):
    @pytest.fixture
    def data_types(self):
        # (the upstream model's SQL value, the same value as the test's YAML writes it)
        return [
            ["42", "42"],
            ["3.25", "3.25"],
            ["'00123'", "00123"],
            ["'a word'", "a word"],
            ["false", "false"],
            ["DATE '2024-02-29'", "2024-02-29"],
            ["TIMESTAMP '2024-02-29 13:45:00'", "2024-02-29 13:45:00"],
            ["'2024-02-29 13:45:00+00'::TIMESTAMPTZ", "2024-02-29 13:45:00+00"],
            ["{'k': 'v', 'n': 'm'}", "{'k': 'v', 'n': 'm'}"],
            ["['x', 'y']", "['x', 'y']"],
            ["[4, 5, 6]", "[4, 5, 6]"],
        ]


class TestUnitTestingVarcharFixtureNoTruncation(BaseUnitTestingVarcharFixtureNoTruncation):
    pass


class TestUnitTestCaseInsensitivity(BaseUnitTestCaseInsensivity):
    pass


class TestUnitTestInvalidInput(BaseUnitTestInvalidInput):
    pass


class TestUnitTestQuotedReservedWordColumnNames(BaseUnitTestQuotedReservedWordColumnNames):
    pass


@pytest.fixture(autouse=True)
def output_captured(monkeypatch, request):
    """`run_dbt_and_capture` returns what dbt logged; the harness replaces only `run_dbt`,
    so the invalid-input case gets a stand-in that returns what `warehouse` printed."""
    from dbt.tests.adapter.unit_testing import test_invalid_input

    def run_and_capture(args=None, expect_pass=True):
        out = io.StringIO()
        with redirect_stdout(out):
            results = test_invalid_input.run_dbt(args, expect_pass=expect_pass)
        print(out.getvalue())
        return results, out.getvalue()

    monkeypatch.setattr(test_invalid_input, "run_dbt_and_capture", run_and_capture)
