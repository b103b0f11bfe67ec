"""Generic tests as the load builds them: a built-in test without arguments (`- unique`,
most tests) is made without a render state, and equals what the general path makes; every
test depends on the very ids that key the project's nodes and shares one config object
with the tests configured alike, so the project keeps what build_tests made."""

from __future__ import annotations

import pytest

from warehouse.compile import assemble, testbuild
from warehouse.compile.load import load_project
from warehouse.compile.resolve import Resolver
from warehouse.core.nodes import TestNode as DataTest

FILES = {
    "seeds/codes.csv": "code,label\na,A\n",
    "models/stg.sql": "select 1 as id, 'a' as code",
    "models/mart.sql": "select * from {{ ref('stg') }}",
    "models/eph.sql": "{{ config(materialized='ephemeral') }} select 1 as id",
    "macros/positive.sql": "{% test positive(model, column_name) %}"
                           "select * from {{ model }} where {{ column_name }} <= 0"
                           "{% endtest %}",
    "models/schema.yml": """
        version: 2
        sources:
          - name: raw
            tables:
              - name: events
                meta: {external_location: "read_csv('events.csv')"}
                columns:
                  - name: id
                    data_tests: [not_null, unique]
        seeds:
          - name: codes
            columns:
              - name: code
                data_tests: [unique]
        models:
          - name: stg
            data_tests:
              - unique:
                  column_name: "id || code"
            columns:
              - name: id
                data_tests:
                  - unique
                  - not_null:
                      config: {severity: warn, where: "id > random()"}
                  - not_null:
                      name: id_is_there
                  - positive
              - name: code
                data_tests:
                  - unique: {}
                  - relationships: {to: ref('codes'), field: code}
                  - accepted_values: {values: [a, b]}
                  - not_null:
                      config: {store_failures: true}
          - name: mart
            columns:
              - name: id
                data_tests: [unique, not_null]
    """,
}


def data_tests_in(project) -> dict:
    return {i: n for i, n in project.nodes.items() if isinstance(n, DataTest)}


def test_a_builtin_test_without_arguments_equals_the_general_paths(make_project, monkeypatch):
    root = make_project(FILES)
    quick = data_tests_in(load_project(root))
    made: list[str] = []

    def general(spec, p, line, target, target_id):
        made.append(spec.name)
        nodes = {target_id: target}
        return testbuild._rendered_node(None, Resolver(nodes), {}, nodes, target_id, spec, p,
                                        line, {})

    monkeypatch.setattr(testbuild, "_builtin_node", general)
    slow = data_tests_in(load_project(root))
    assert len(made) == 11  # every test but those with arguments or a macro of the project
    assert len(quick) == 14 and quick == slow
    assert all(quick[i].depends_on == slow[i].depends_on for i in quick)


def test_the_project_keeps_the_tests_build_tests_made(make_project, monkeypatch):
    built: list[DataTest] = []

    def build_tests(*args):
        built.extend(testbuild.build_tests(*args))
        return built

    monkeypatch.setattr(assemble, "build_tests", build_tests)
    project = load_project(make_project(FILES))
    keys = {node_id: node_id for node_id in project.nodes}
    assert len(built) == 14
    for test in built:
        assert project.nodes[test.id] is test  # nothing for one_of_each to make again
        assert all(keys[d] is d for d in test.depends_on)
    plain = [t for t in built if t.config == built[0].config]
    assert len(plain) > 5 and len({id(t.config) for t in plain}) == 1


@pytest.mark.parametrize("entry", ["unique", "not_null"])
def test_a_builtin_test_on_an_ephemeral_model_is_still_refused(make_project, entry):
    from warehouse.core.errors import ProjectError

    root = make_project({**FILES, "models/schema.yml": f"""
        version: 2
        models:
          - name: eph
            columns:
              - name: id
                data_tests: [{entry}]
        """})
    with pytest.raises(ProjectError, match="tests on ephemeral models are not supported"):
        load_project(root)


def test_a_built_in_test_whose_argument_reads_execute_is_made_again_when_it_runs(
        make_project, cli):
    """Rendered at load with `execute` false, as dbt parses; the SQL that runs is its
    arguments rendered as the run sees them (here another relation, upstream of both)."""
    root = make_project({
        "models/parent_ok.sql": "select 1 as id",
        "models/parent_bad.sql": "select 2 as id",
        "models/child.sql": "select id from {{ ref('parent_ok') }}"
                            " union all select id - 1 from {{ ref('parent_bad') }}",
        "models/schema.yml": """
            models:
              - name: child
                columns:
                  - name: id
                    data_tests:
                      - relationships:
                          to: "{{ ref('parent_ok') if execute else ref('parent_bad') }}"
                          field: id
            """})
    built = cli(root, "build")
    assert built.code == 0, built.text
    assert "PASS  test relationships_child_id" in built.out
    assert cli(root, "compile").code == 0
    written = "".join(p.read_text() for p in (root / "target/compiled/tests").glob("*.sql"))
    assert '"main"."parent_bad"' in written  # (what a load without a database sees)
