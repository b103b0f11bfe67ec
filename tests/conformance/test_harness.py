"""The harness itself: a case can only pass when `warehouse` built what the case checks.

dbt's checking helpers run here unchanged through the harness's DuckDB adapter, on a
small project of our own. Each check is shown to catch a difference too, so a harness
that saw no relations or no columns (say, a wrong catalog name) cannot pass a case.
"""

from __future__ import annotations

import dbt.tests.util as dbt_util
import pytest

from conformance.harness import WarehouseCommandError


class TestHarness:
    @pytest.fixture(scope="class")
    def seeds(self):
        return {"people.csv": "id,name\n1,ann\n2,bob\n"}

    @pytest.fixture(scope="class")
    def models(self):
        return {
            "copy_table.sql": ("{{ config(materialized='table') }} "
                               "select * from {{ ref('people') }}"),
            "copy_view.sql": "select * from {{ ref('copy_table') }}",
            "other.sql": "{{ config(materialized='table') }} select 1 as id, 'eve' as name",
        }

    @pytest.fixture(scope="class")
    def tests(self):
        return {"no_rows.sql": "select * from {{ ref('people') }} where id > 2",
                "one_row.sql": "select * from {{ ref('people') }} where id = 1"}

    def test_run_dbt_runs_warehouse_and_reads_its_results(self, project):
        results = dbt_util.run_dbt(["seed"])  # the stand-in, as a case module calls it
        assert [(r.node.name, r.status) for r in results] == [("people", "success")]
        results = dbt_util.run_dbt(["run"])
        assert sorted((r.node.name, r.status) for r in results) == [
            ("copy_table", "success"), ("copy_view", "success"), ("other", "success")]
        assert len(results.results) == 3
        results = dbt_util.run_dbt(["test"], expect_pass=False)
        assert sorted((r.node.name, r.status) for r in results) == [
            ("no_rows", "pass"), ("one_row", "fail")]

    def test_an_unexpected_exit_state_or_an_unknown_command_fails(self, project):
        with pytest.raises(AssertionError, match="did not match expected"):
            dbt_util.run_dbt(["test"])
        with pytest.raises(WarehouseCommandError, match="no-such-command"):
            dbt_util.run_dbt(["no-such-command"])

    def test_dbt_checks_see_the_warehouse_relations(self, project):
        adapter = project.adapter
        dbt_util.check_relation_types(adapter, {"copy_table": "table", "copy_view": "view"})
        with pytest.raises(AssertionError, match="unexpected relation type"):
            dbt_util.check_relation_types(adapter, {"copy_view": "table"})
        dbt_util.check_relations_equal(adapter, ["people", "copy_table", "copy_view"])
        with pytest.raises(AssertionError, match="difference in row count"):
            dbt_util.check_relations_equal(adapter, ["people", "other"])
        relation = dbt_util.relation_from_name(adapter, "people")
        assert project.run_sql(f"select count(*) from {relation}", fetch="one") == (2,)

    def test_update_rows_changes_the_warehouse_table(self, project):
        dbt_util.update_rows(project.adapter, {
            "name": "copy_table", "dst_col": "name", "where": "id = 2",
            "clause": {"type": "add_string", "src_col": "name", "value": "_updated"}})
        assert project.run_sql("select name from {schema}.copy_table order by id",
                               fetch="all") == [("ann",), ("bob_updated",)]
        with pytest.raises(AssertionError, match="different rows"):
            dbt_util.check_relations_equal(project.adapter, ["people", "copy_table"])
