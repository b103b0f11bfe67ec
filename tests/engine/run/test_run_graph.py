"""The run graph cut down to the nodes that run keeps what the whole graph says about them:
which runs after which (so what a failure skips), in `build` with its test and unit-test
edges, and in the other commands."""

from __future__ import annotations

import random

import pytest

from tests.wh_helpers import build, rows
from warehouse.compile.load import load_project
from warehouse.core.dag import Dag
from warehouse.run.run_graph import graph_of_run, run_graph

FILES = {
    "models/raw_a.sql": "select 1 as id, 2 as qty",
    "models/raw_b.sql": "select 1 as id, 'x' as tag",
    "models/joined.sql": ("select a.id, a.qty, b.tag from {{ ref('raw_a') }} a "
                          "join {{ ref('raw_b') }} b using (id)"),
    "models/doubled.sql": "select id, qty * 2 as doubled from {{ ref('joined') }}",
    "models/passed.sql": "select * from {{ ref('doubled') }}",
    "models/side.sql": "select id from {{ ref('raw_b') }}",
    "models/last.sql": ("select p.id from {{ ref('passed') }} p "
                        "join {{ ref('side') }} s using (id)"),
    "models/props.yml": """
        version: 2
        models:
          - name: raw_a
            columns: [{name: id, data_tests: [unique, not_null]}]
          - name: joined
            data_tests:
              - dbt_utils_like: {}
            columns:
              - name: id
                data_tests: [{relationships: {to: ref('raw_b'), field: id}}]
          - name: doubled
            columns: [{name: id, data_tests: [unique]}]
        unit_tests:
          - name: keeps_ids
            model: side
            given:
              - input: ref('raw_b')
                rows: [{id: 4, tag: 'y'}]
            expect:
              rows: [{id: 4}]
        """,
    "macros/dbt_utils_like.sql": (
        "{% test dbt_utils_like(model) %}select * from {{ model }} where id < 0"
        "{% endtest %}"),
}


def _reach(dag: Dag, among: frozenset) -> set[tuple]:
    """(above, below) pairs of nodes of `among` joined by a path in `dag`."""
    return {(a, b) for b in among for a in dag.upstream([b]) & among if a != b}


@pytest.mark.parametrize("command", ["build", "run", "test"])
def test_cut_graph_orders_the_running_nodes_as_the_whole_graph(make_project, command):
    project = load_project(make_project(FILES))
    whole = Dag(run_graph(project, command))
    ids = sorted(project.parents)
    chooser = random.Random(7)
    for size in [1, 2, 3, 4, 5, len(ids) // 2 - 1]:
        for _ in range(40):
            run = frozenset(chooser.sample(ids, size))
            cut = graph_of_run(project, command, run)
            assert set(cut) == run
            assert _reach(cut, run) == _reach(whole, run), sorted(map(str, run))


def test_most_of_the_project_running_takes_the_whole_graph(make_project):
    project = load_project(make_project(FILES))
    everything = frozenset(project.parents)
    assert set(graph_of_run(project, "build", everything)) == everything


def test_a_failing_test_still_skips_what_is_built_on_its_data(make_project):
    """After an edit of `doubled` alone, its unique test fails: `passed` and `last` (built on
    its data, through the test's edge) are skipped, `side` is not run at all."""
    root = make_project(FILES)
    first, _ = build(root)
    assert first.exit_code == 0
    (root / "models/doubled.sql").write_text(
        "select id, qty * 2 as doubled from {{ ref('joined') }} "
        "union all select id, qty * 2 from {{ ref('joined') }}")
    result, out = build(root)
    status = {r.node_id.name: r.status for r in result.results}
    assert result.exit_code != 0, out
    assert status["doubled"] == "success", out
    assert status["passed"] == status["last"] == "skipped", out
    assert status["side"] not in ("success", "skipped", "error"), out
    assert rows(root, "select count(*) from doubled") == [(1,)]
