"""The per-model cache: after an edit, only the models it can reach render again, and each
load equals a load without any cache (every input a model's render depends on invalidates
that model: its file, macros, vars, environment, property files, project config, packages,
what its references resolve to)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import warehouse.compile.render
from warehouse.compile import parse_cache
from warehouse.compile.load import load_project
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
    "models/scaled.sql": "{{ config(materialized='table') }}\n"
                         "select id, {{ scale('id') }} as scaled, "
                         "'{{ env_var('WH_MC_REGION', 'none') }}' as region "
                         "from {{ ref('stg') }}",
    "models/eph.sql": "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('stg') }}",
    "models/uses_eph.sql": "select id from {{ ref('eph') }}",
    "models/plain.sql": "select 1 as one",
    "models/from_source.sql": "select * from {{ source('raw', 'events') }}",
    "models/schema.yml": """
        sources:
          - name: raw
            schema: main
            tables:
              - name: events
        models:
          - name: scaled
            description: Scaled ids.
        """,
}
ALL = {"stg", "scaled", "eph", "uses_eph", "plain", "from_source"}


@pytest.fixture
def rendered(monkeypatch):
    """The models rendered (either pass), by name."""
    seen: list[str] = []
    real = warehouse.compile.render.Renderer.render

    def spy(self, path, state):
        if path.startswith("models/"):
            seen.append(Path(path).stem)
        return real(self, path, state)

    monkeypatch.setattr(warehouse.compile.render.Renderer, "render", spy)
    return seen


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def load(root: Path, vars=None):
    return parse_cache.load_cached(root, vars)


def sql(project, name: str) -> str:
    return project.nodes[NodeId(NodeKind.MODEL, name)].compiled_sql


def same_as_cold(project, root: Path, vars=None) -> None:
    cold = load_project(root, vars=vars)
    assert project.nodes == cold.nodes
    assert project.parents == cold.parents
    assert dict(project.fingerprints) == dict(cold.fingerprints)


def reload(root: Path, rendered: list[str], vars=None):
    """A load after an edit, what it rendered (as a set of names), and a check that it
    equals a load without the cache."""
    rendered.clear()
    project = load(root, vars)
    names = set(rendered)
    same_as_cold(project, root, vars)
    return project, names


def test_a_model_edit_renders_that_model_only(make_project, rendered):
    root = make_project(FILES)
    load(root)
    assert set(rendered) == ALL
    write(root, "models/plain.sql", "select 2 as one")
    project, names = reload(root, rendered)
    assert names == {"plain"} and "2 as one" in sql(project, "plain")


def test_an_edit_that_keeps_the_relation_does_not_render_its_children(make_project,
                                                                      rendered):
    root = make_project(FILES)
    load(root)
    write(root, "models/stg.sql", "select id, upper(name) as name from {{ ref('people') }}")
    _project, names = reload(root, rendered)
    # eph inlines stg's relation only: its SQL does not change, nor do its readers'
    assert names == {"stg"}


def test_a_relation_change_compiles_the_readers_again(make_project, rendered):
    root = make_project(FILES)
    load(root)
    write(root, "models/stg.sql", "{{ config(alias='staged') }}\n"
                                  "select id, name from {{ ref('people') }}")
    project, names = reload(root, rendered)
    assert {"stg", "scaled", "eph", "uses_eph"} <= names and "plain" not in names
    assert "staged" in sql(project, "scaled") and "staged" in sql(project, "uses_eph")


def test_an_ephemeral_edit_reaches_the_models_that_inline_it(make_project, rendered):
    root = make_project(FILES)
    load(root)
    write(root, "models/eph.sql", "{{ config(materialized='ephemeral') }}\n"
                                  "select id + 100 as id from {{ ref('stg') }}")
    project, names = reload(root, rendered)
    assert "id + 100" in sql(project, "uses_eph") and "uses_eph" in names


def test_a_macro_edit_renders_again(make_project, rendered):
    root = make_project(FILES)
    load(root)
    write(root, "macros/scale.sql", "{% macro scale(col) %}{{ col }} * 100{% endmacro %}")
    project, _names = reload(root, rendered)
    assert "* 100" in sql(project, "scaled")


def test_vars_and_environment_variables_render_again(make_project, rendered, monkeypatch):
    monkeypatch.delenv("WH_MC_REGION", raising=False)
    root = make_project(FILES)
    load(root)
    project, _ = reload(root, rendered, vars={"factor": 5})
    assert "* 5" in sql(project, "scaled")
    monkeypatch.setenv("WH_MC_REGION", "north")
    project, _ = reload(root, rendered, vars={"factor": 5})
    assert "'north'" in sql(project, "scaled")
    write(root, "pyproject.toml", "[tool.warehouse]\n[tool.warehouse.vars]\nfactor = 7\n")
    project, _ = reload(root, rendered)
    assert "* 7" in sql(project, "scaled")


def test_property_file_edits(make_project, rendered):
    root = make_project(FILES)
    load(root)
    yml = (root / "models/schema.yml").read_text()
    write(root, "models/schema.yml", yml.replace("Scaled ids.", "Ids, scaled."))
    project, names = reload(root, rendered)
    assert names == set(), "a description is documentation: nothing renders"
    assert project.nodes[NodeId(NodeKind.MODEL, "scaled")].description == "Ids, scaled."
    write(root, "models/schema.yml", yml.replace("Scaled ids.", "x\n    config:\n"
                                                 "      alias: scaled_v2"))
    project, names = reload(root, rendered)
    assert project.nodes[NodeId(NodeKind.MODEL, "scaled")].relation.name == "scaled_v2"
    write(root, "models/schema.yml", yml.replace("schema: main", "schema: landing"))
    project, names = reload(root, rendered)
    assert "landing" in sql(project, "from_source") and "from_source" in names


def test_project_config_edit(make_project, rendered):
    root = make_project(FILES)
    load(root)
    write(root, "pyproject.toml", "[tool.warehouse]\n[tool.warehouse.vars]\nfactor = 2\n"
                                  "[tool.warehouse.models]\n\"+schema\" = \"marts\"\n")
    project, names = reload(root, rendered)
    assert "marts" in sql(project, "scaled") and names >= {"scaled", "uses_eph"}


def test_warnings_are_printed_again_from_the_per_model_cache(make_project, rendered, capsys):
    files = dict(FILES)
    files["models/plain.sql"] = "{{ exceptions.warn('plain is old') }}select 1 as one"
    root = make_project(files)
    load(root)
    assert capsys.readouterr().err.count("plain is old") >= 1
    write(root, "models/stg.sql", "select id, name, 1 as x from {{ ref('people') }}")
    rendered.clear()
    load(root)
    assert "plain" not in rendered
    assert "warning: plain is old" in capsys.readouterr().err


def test_a_model_that_includes_another_file_always_renders(make_project, rendered):
    files = dict(FILES)
    files["models/inc.sql"] = "{% include 'models/plain.sql' %}"
    root = make_project(files)
    load(root)
    write(root, "models/plain.sql", "select 3 as one")
    project, names = reload(root, rendered)
    assert "3 as one" in sql(project, "inc") and "inc" in names


def test_a_package_macro_edit_renders_again(make_project, rendered, monkeypatch):
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    root = make_project({
        "dbt_project.yml": "name: shop\nprofile: shop\n",
        "profiles.yml": "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                        "      path: shop.duckdb\n",
        "dbt_packages/pk/dbt_project.yml": "name: pk\nversion: '1.0.0'\nconfig-version: 2\n",
        "dbt_packages/pk/macros/m.sql": "{% macro two() %}2{% endmacro %}",
        "models/uses.sql": "select {{ pk.two() }} as n",
        "models/other.sql": "select 1 as n",
    })
    (root / "pyproject.toml").unlink()
    load(root)
    write(root, "dbt_packages/pk/macros/m.sql", "{% macro two() %}22{% endmacro %}")
    project, names = reload(root, rendered)
    assert "22 as n" in sql(project, "uses") and "uses" in names


def test_a_kept_memo_of_another_layout_is_a_miss_not_a_crash(make_project, rendered):
    """The parse cache's memos come from a file: entries of a shape this engine did not
    write (another version's) are dropped, and the load renders what it needs."""
    import pickle

    root = make_project(FILES)
    load(root)
    path = root / "target" / parse_cache.CACHE_NAME
    header, _, rest = path.read_bytes().partition(b"\n")
    entry = pickle.loads(rest)  # (the first pickle: the load; the memos follow it)
    memos = {"models": {"compiled": ("v", {"k": ({"a": 1}, "x"), "j": "junk"}),
                        "first": ("v", {"k": "junk"})}}
    path.write_bytes(header + b"\n" + pickle.dumps(entry) + pickle.dumps(memos))
    write(root, "models/plain.sql", "select 5 as one")
    project, names = reload(root, rendered)
    assert "5 as one" in sql(project, "plain") and names == ALL
