"""A load after only model files changed keeps the rest of the last load: and equals a whole
load, node by node, whichever path it took."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import warehouse.compile.assemble
import warehouse.compile.delta_load
from warehouse.compile import parse_cache
from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind

FILES = {
    "pyproject.toml": """
        [tool.warehouse]
        [tool.warehouse.vars]
        factor = 2
        """,
    "seeds/people.csv": "id,name\n1,An\n2,Binh\n",
    "macros/scale.sql": "{% macro scale(col) %}{{ col }} * {{ var('factor') }}{% endmacro %}",
    "models/stg.sql": "select id, name from {{ ref('people') }}",
    "models/mid.sql": "select id, {{ scale('id') }} as scaled from {{ ref('stg') }}",
    "models/leaf.sql": "select id, scaled + 1 as more from {{ ref('mid') }}",
    "models/other.sql": "{{ config(materialized='table') }}\nselect 1 as id",
    "models/eph.sql": "{{ config(materialized='ephemeral') }}\nselect 2 as id",
    "models/uses_eph.sql": "select id from {{ ref('eph') }}",
    "models/schema.yml": """
        models:
          - name: mid
            description: Scaled.
            columns:
              - name: id
                data_tests: [unique, not_null]
          - name: leaf
            columns:
              - name: more
                data_tests: [not_null]
        """,
    "tests/leaf_positive.sql": "select * from {{ ref('leaf') }} where more < 0",
}


@pytest.fixture
def paths(monkeypatch):
    """Which path each load took: 'delta' (delta_load made it) or 'whole' (assembled)."""
    taken: list[str] = []
    real_assemble = warehouse.compile.assemble.assemble_project
    real_delta = warehouse.compile.delta_load.reload_models

    def assemble(*args, **kwargs):
        taken.append("whole")
        return real_assemble(*args, **kwargs)

    def delta(*args, **kwargs):
        project = real_delta(*args, **kwargs)
        if project is not None:
            taken.append("delta")
        return project

    monkeypatch.setattr(warehouse.compile.assemble, "assemble_project", assemble)
    monkeypatch.setattr(warehouse.compile.delta_load, "reload_models", delta)
    return taken


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def same_as_cold(project, root: Path) -> None:
    cold = load_project(root)
    assert project.nodes == cold.nodes
    assert project.parents == cold.parents
    assert dict(project.fingerprints) == dict(cold.fingerprints)
    assert project.dag.topological_order() == cold.dag.topological_order()
    assert project.vars == cold.vars


def loaded(root: Path, paths: list[str], expect: str):
    paths.clear()
    project = parse_cache.load_cached(root)
    assert paths == [expect]
    same_as_cold(project, root)
    again = parse_cache.load_cached(root)  # the cache written is the project's too
    assert again.nodes == project.nodes and dict(again.fingerprints) == dict(
        project.fingerprints)
    return project


@pytest.mark.parametrize("rel, text", [
    ("models/leaf.sql", "select id, scaled + 2 as more from {{ ref('mid') }}"),
    ("models/stg.sql", "select id, upper(name) as name from {{ ref('people') }}"),
    # its refs change: the DAG is made again
    ("models/leaf.sql", "select m.id, scaled + 1 as more from {{ ref('mid') }} m "
                        "join {{ ref('other') }} o on o.id = m.id"),
    ("models/mid.sql", "select id, {{ scale('id') }} as scaled from {{ ref('people') }}"),
])
def test_a_model_edit_renders_that_model_and_equals_a_whole_load(make_project, paths, rel,
                                                                  text):
    root = make_project(FILES)
    loaded(root, paths, "whole")
    write(root, rel, text)
    before = load_project(root)
    project = loaded(root, paths, "delta")
    name = Path(rel).stem
    assert project.nodes[NodeId(NodeKind.MODEL, name)] == before.nodes[
        NodeId(NodeKind.MODEL, name)]


@pytest.mark.parametrize("rel, text", [
    ("models/schema.yml", FILES["models/schema.yml"].replace("Scaled.", "Doubled.")),
    ("macros/scale.sql", "{% macro scale(col) %}{{ col }} * 3{% endmacro %}"),
    ("pyproject.toml", "[tool.warehouse]\n[tool.warehouse.vars]\nfactor = 5\n"),
    ("models/new.sql", "select 1 as id"),  # a new model: names others may ref
    ("models/leaf.sql", "{{ config(materialized='table') }}\n"  # its config changes
                        "select id, scaled + 1 as more from {{ ref('mid') }}"),
    ("models/leaf.sql", "{{ config(alias='leaf2') }}\n"  # its relation changes
                        "select id, scaled + 1 as more from {{ ref('mid') }}"),
    ("models/eph.sql", "{{ config(materialized='ephemeral') }}\nselect 3 as id"),  # inlined
    ("models/leaf.sql", "{% do exceptions.warn('careful') %}select 1 as more"),  # prints
])
def test_anything_else_assembles_the_whole_project(make_project, paths, rel, text):
    root = make_project(FILES)
    loaded(root, paths, "whole")
    write(root, rel, text)
    loaded(root, paths, "whole")


def test_a_model_edited_back_is_not_taken_from_a_memo_of_its_edit(make_project, paths):
    """The memos kept by a delta load name models by id; the node behind an id changed."""
    root = make_project(FILES)
    loaded(root, paths, "whole")
    write(root, "models/mid.sql", "select id, 7 as scaled from {{ ref('stg') }}")
    loaded(root, paths, "delta")
    write(root, "models/mid.sql", FILES["models/mid.sql"])
    write(root, "models/new.sql", "select 1 as id")  # (so the whole project is assembled)
    project = loaded(root, paths, "whole")
    assert "* 2" in project.nodes[NodeId(NodeKind.MODEL, "mid")].compiled_sql


@pytest.mark.parametrize("text", [
    "select id from {{ ref('nowhere') }}",
    "select id from {{ ref('stg') }}\nwhere {{ undefined_macro() }}",
    "select id, scaled from {{ ref('leaf') }}",  # a cycle: mid -> leaf -> mid
    "select id, from from {{ ref('stg') }}",
])
def test_an_error_in_the_edited_model_is_the_whole_load_s(make_project, paths, text):
    root = make_project(FILES)
    loaded(root, paths, "whole")
    write(root, "models/mid.sql", text)
    with pytest.raises(ProjectError) as whole:
        load_project(root)
    with pytest.raises(ProjectError) as delta:
        parse_cache.load_cached(root)
    assert str(delta.value) == str(whole.value)
    assert (delta.value.path, delta.value.line, delta.value.column) == (
        whole.value.path, whole.value.line, whole.value.column)
    write(root, "models/mid.sql", FILES["models/mid.sql"] + "\n-- fixed")
    loaded(root, paths, "delta")


def test_delta_loads_in_a_row_are_overlays_of_the_last_whole_load(make_project, paths):
    from warehouse.compile.cache_file import OVERLAY_NAME

    root = make_project(FILES)
    loaded(root, paths, "whole")
    overlay = root / "target" / OVERLAY_NAME
    main = (root / "target" / parse_cache.CACHE_NAME).read_bytes()
    write(root, "models/leaf.sql", "select id, scaled + 2 as more from {{ ref('mid') }}")
    loaded(root, paths, "delta")
    write(root, "models/stg.sql", "select id, lower(name) as name from {{ ref('people') }}")
    loaded(root, paths, "delta")
    write(root, "models/leaf.sql", "select id from {{ ref('other') }}")  # an edge changes
    loaded(root, paths, "delta")
    assert overlay.exists() and (root / "target" / parse_cache.CACHE_NAME).read_bytes() == main
    write(root, "models/schema.yml", FILES["models/schema.yml"].replace("Scaled.", "Doubled."))
    loaded(root, paths, "whole")
    assert not overlay.exists()
    overlay.write_bytes(b"not ours\n")  # a broken overlay is no overlay
    write(root, "models/leaf.sql", "select id, 1 as more from {{ ref('other') }}")
    loaded(root, paths, "delta")


def test_the_files_read_are_the_regular_files_links_followed(make_project):
    """read_files lists folders with scandir (no stat per file): a linked file and a linked
    folder count, a dangling link and a fifo do not, as os.walk with os.path.isfile said."""
    import os

    from warehouse.compile.files import load_config, read_files

    root = make_project(FILES)
    elsewhere = root.parent / "elsewhere"
    (elsewhere / "more").mkdir(parents=True)
    (elsewhere / "linked.sql").write_text("select 5 as id", encoding="utf-8")
    (elsewhere / "more" / "deep.sql").write_text("select 6 as id", encoding="utf-8")
    os.symlink(elsewhere / "linked.sql", root / "models" / "linked.sql")
    os.symlink(elsewhere / "more", root / "models" / "more")
    os.symlink(elsewhere / "gone.sql", root / "models" / "dangling.sql")
    os.mkfifo(root / "models" / "pipe.sql")
    models = read_files(load_config(root)).models
    assert models["models/linked.sql"] == "select 5 as id"
    assert models["models/more/deep.sql"] == "select 6 as id"
    assert "models/dangling.sql" not in models and "models/pipe.sql" not in models
    assert list(models) == sorted(models, key=lambda rel: rel.split("/"))


def test_a_loaded_project_holds_one_object_for_equal_ids_and_test_configs(make_project):
    """Equal ids and plain test configs are one object each (what the cache pickles and a
    warm load unpickles), and the DAG's parents are the project's own tuples."""
    from warehouse.core.nodes import TestNode

    root = make_project(FILES)
    projects = [load_project(root), parse_cache.load_cached(root), parse_cache.load_cached(root)]
    write(root, "models/leaf.sql", "select m.id, 1 as more from {{ ref('mid') }} m "
                                   "join {{ ref('other') }} o on o.id = m.id")
    projects.append(parse_cache.load_cached(root))  # (a delta load)
    for project in projects:
        keys = {node_id: node_id for node_id in project.nodes}
        tests = [n for n in project.nodes.values() if isinstance(n, TestNode)]
        assert len(tests) == 4
        assert all(keys[d] is d for t in tests for d in t.depends_on)
        assert all(keys[p] is p for ps in project.parents.values() for p in ps)
        assert len({id(t.config) for t in tests}) == 1
        assert all(project.dag.parents(n) is ps for n, ps in project.parents.items())


UNIT_TESTS = """
    unit_tests:
      - name: mid_scales
        model: mid
        given:
          - input: ref('stg')
            rows: [{id: 1, name: 'a'}]
        expect:
          rows: [{id: 1, scaled: 2}]
      - name: leaf_adds
        model: leaf
        given:
          - input: ref('mid')
            rows: [{id: 1, scaled: 2}]
        expect:
          rows: [{id: 1, more: 3}]
    """


@pytest.mark.parametrize("rel, text", [
    ("models/mid.sql", "select id, {{ scale('id') }} + 0 as scaled from {{ ref('stg') }}"),
    ("models/stg.sql", "select id, upper(name) as name from {{ ref('people') }}"),
])
def test_unit_tests_of_edited_models_are_made_again(make_project, paths, rel, text):
    """A unit test renders its model's template: after an edit of that model, the delta load
    builds the unit tests again, and the project equals a whole load (nodes, parents,
    fingerprints, order)."""
    root = make_project({**FILES, "models/unit.yml": UNIT_TESTS})
    first = loaded(root, paths, "whole")
    write(root, rel, text)
    project = loaded(root, paths, "delta")
    unit = NodeId(NodeKind.UNIT_TEST, "mid.mid_scales")
    assert unit in project.nodes
    if rel == "models/mid.sql":
        assert project.nodes[unit] != first.nodes[unit]
        assert project.fingerprints[unit] != first.fingerprints[unit]


def test_a_unit_test_the_edit_breaks_fails_as_in_a_whole_load(make_project, paths):
    """`mid` now reads a model its unit test does not give: the delta load's error is the
    whole load's, at the same place."""
    root = make_project({**FILES, "models/unit.yml": UNIT_TESTS})
    loaded(root, paths, "whole")
    write(root, "models/mid.sql", "select s.id, {{ scale('s.id') }} as scaled from "
                                  "{{ ref('stg') }} s join {{ ref('other') }} o on o.id = s.id")
    with pytest.raises(ProjectError) as whole:
        load_project(root)
    with pytest.raises(ProjectError) as delta:
        parse_cache.load_cached(root)
    assert "does not give" in str(delta.value)
    assert str(delta.value) == str(whole.value)
    assert (delta.value.path, delta.value.line) == (whole.value.path, whole.value.line)
