"""The trade warehouse's own unit tests (models/intermediate/_trade_unit_tests.yml) run on a
fresh checkout, with nothing built, and cover the models whose arithmetic matters most."""

from __future__ import annotations

import re

from wh_helpers import copy_real_project

from warehouse.compile.load import load_project
from warehouse.core.identity import NodeKind

TRICKY = {"stg_reported_figures", "int_figure_intervals", "int_trade_prior_values",
          "int_trade_derived_figures", "int_trade_estimates"}


def test_trade_unit_tests_pass_without_a_build(tmp_path, cli):
    root = copy_real_project(tmp_path / "project")
    units = [n for i, n in load_project(root).nodes.items() if i.kind is NodeKind.UNIT_TEST]
    assert {n.model for n in units} >= TRICKY
    done = cli(root, "test", "--select", "test_type:unit")
    assert done.code == 0, done.text
    assert len(re.findall(r"PASS\s+unit test ", done.out)) == len(units)
    assert f"PASS={len(units)} TOTAL={len(units)}" in done.out
    assert not (root / "warehouse.duckdb").exists(), "nothing built for them"
