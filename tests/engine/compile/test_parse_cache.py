"""The parse cache: a warm load renders nothing, and every input that matters invalidates it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from wh_helpers import rows

import warehouse.compile.assemble
import warehouse.compile.project
from warehouse.compile import parse_cache
from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode

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
                         "'{{ env_var('WH_TEST_REGION', 'none') }}' as region "
                         "from {{ ref('stg') }}",
    "models/schema.yml": """
        models:
          - name: scaled
            description: Scaled ids.
            columns:
              - name: id
                data_tests: [unique]
        """,
}


@pytest.fixture
def analysed(monkeypatch):
    """The SQL texts `analyze_model_sql` parses (the memo's misses)."""
    import warehouse.compile.parse

    seen: list[str] = []
    real = warehouse.compile.parse.analyze_model_sql

    def spy(sql, **kwargs):
        seen.append(sql)
        return real(sql, **kwargs)

    monkeypatch.setattr(warehouse.compile.parse, "analyze_model_sql", spy)
    return seen


@pytest.fixture
def counting(monkeypatch):
    """Count the loads that miss the cache (full renders, and delta loads)."""
    calls = []
    real = warehouse.compile.assemble.assemble_project

    def spy(config, files, **kwargs):
        calls.append(config.root)
        return real(config, files, **kwargs)

    monkeypatch.setattr(warehouse.compile.assemble, "assemble_project", spy)
    import warehouse.compile.delta_load as delta

    real_delta = delta.reload_models

    def delta_spy(config, *args, **kwargs):  # a load after model edits alone renders only those
        project = real_delta(config, *args, **kwargs)
        if project is not None:
            calls.append(config.root)
        return project

    monkeypatch.setattr(delta, "reload_models", delta_spy)
    return calls


def load(root: Path, **kwargs):
    return parse_cache.load_cached(root, kwargs.get("vars"))


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def sql_of(project, name: str) -> str:
    node = project.nodes[NodeId(NodeKind.MODEL, name)]
    assert isinstance(node, ModelNode)
    return node.compiled_sql


def test_a_warm_load_equals_a_cold_one_and_renders_nothing(make_project, counting, monkeypatch):
    root = make_project(FILES)
    cold = load(root)
    assert len(counting) == 1
    assert (root / "target" / parse_cache.CACHE_NAME).exists()

    def no_jinja(*args, **kwargs):
        raise AssertionError("a warm load must not build the Jinja environment")

    monkeypatch.setattr(warehouse.compile.project, "make_renderer", no_jinja)
    warm = load(root)
    assert len(counting) == 1, "served from the cache"
    assert warm.nodes == cold.nodes
    assert warm.parents == cold.parents
    assert dict(warm.fingerprints) == dict(cold.fingerprints)
    assert warm.dag.topological_order() == cold.dag.topological_order()


@pytest.mark.parametrize("rel, text, expect", [
    ("models/stg.sql", "select id, name || '!' as name from {{ ref('people') }}", "|| '!'"),
    ("macros/scale.sql", "{% macro scale(col) %}{{ col }} * 100{% endmacro %}", "* 100"),
    ("pyproject.toml", "[tool.warehouse]\n[tool.warehouse.vars]\nfactor = 7\n", "* 7"),
])
def test_an_edit_to_a_model_macro_or_config_invalidates(make_project, counting, rel, text,
                                                         expect):
    root = make_project(FILES)
    load(root)
    write(root, rel, text)
    project = load(root)
    assert len(counting) == 2
    assert expect in sql_of(project, "stg") + sql_of(project, "scaled")


def test_vars_on_the_command_line_invalidate(make_project, counting):
    root = make_project(FILES)
    assert "* 2" in sql_of(load(root), "scaled")
    assert "* 5" in sql_of(load(root, vars={"factor": 5}), "scaled")
    assert "* 2" in sql_of(load(root), "scaled")
    assert len(counting) == 3


def test_an_environment_variable_a_model_reads_invalidates(make_project, counting,
                                                           monkeypatch):
    root = make_project(FILES)
    monkeypatch.delenv("WH_TEST_REGION", raising=False)
    assert "'none'" in sql_of(load(root), "scaled")
    monkeypatch.setenv("WH_UNRELATED", "x")
    load(root)
    assert len(counting) == 1, "a variable no template names does not count"
    monkeypatch.setenv("WH_TEST_REGION", "north")
    assert "'north'" in sql_of(load(root), "scaled")
    assert len(counting) == 2


def test_a_computed_env_var_name_makes_the_whole_environment_count():
    texts = ["{{ env_var('A') }}", "{% set n = 'B' %}{{ env_var(n) }}"]
    assert parse_cache.env_used(texts[:1], {"A": "1", "B": "2"}) == {"A": "1"}
    assert parse_cache.env_used(texts, {"A": "1", "B": "2"}) == {"A": "1", "B": "2"}
    assert parse_cache.env_used(["{{ env_var('C') }}"], {}) == {"C": None}


def test_yaml_and_seed_edits_invalidate(make_project, counting):
    root = make_project(FILES)
    load(root)
    schema = (root / "models/schema.yml").read_text()
    write(root, "models/schema.yml", schema.replace("Scaled ids.", "Ids, scaled."))
    project = load(root)
    assert project.nodes[NodeId(NodeKind.MODEL, "scaled")].description == "Ids, scaled."
    seed = NodeId(NodeKind.SEED, "people")
    before = project.fingerprints[seed]
    write(root, "seeds/people.csv", "id,name\n1,An\n2,Binh\n3,Chi\n")
    assert load(root).fingerprints[seed] != before
    write(root, "models/extra.sql", "select 1 as x")
    assert NodeId(NodeKind.MODEL, "extra") in load(root).nodes
    assert len(counting) == 4


def test_a_different_engine_invalidates(make_project, counting, monkeypatch):
    root = make_project(FILES)
    load(root)
    monkeypatch.setattr(parse_cache, "engine_signature", lambda: "another engine")
    load(root)
    assert len(counting) == 2


def test_a_broken_or_foreign_cache_file_is_a_miss(make_project, counting):
    root = make_project(FILES)
    load(root)
    path = root / "target" / parse_cache.CACHE_NAME
    header, _, _ = path.read_bytes().partition(b"\n")
    path.write_bytes(header + b"\nnot a pickle")
    assert NodeId(NodeKind.MODEL, "scaled") in load(root).nodes
    path.write_bytes(b"something else entirely")
    load(root)
    assert len(counting) == 3
    load(root)
    assert len(counting) == 3, "the rewritten cache serves again"


def test_a_cache_pickled_by_an_older_engine_is_a_miss(make_project, counting):
    """An older CachedLoad lacks fields; after any edit, reading it for its digests
    must not crash the load."""
    import pickle

    root = make_project(FILES)
    load(root)
    path = root / "target" / parse_cache.CACHE_NAME
    header, _, body = path.read_bytes().partition(b"\n")
    entry = pickle.loads(body)
    del entry.__dict__["memos"]
    path.write_bytes(header + b"\n" + pickle.dumps(entry))
    write(root, "models/extra.sql", "select 1 as id")
    assert NodeId(NodeKind.MODEL, "extra") in load(root).nodes


def test_a_load_error_is_not_cached(make_project, counting):
    root = make_project(FILES)
    write(root, "models/bad.sql", "select {{ undefined_name }}")
    for _ in range(2):
        with pytest.raises(ProjectError):
            load(root)
    assert len(counting) == 2


def test_builds_from_a_cached_project_render_incremental_models(make_project, cli):
    root = make_project({"models/inc.sql": """
        {{ config(materialized='incremental', unique_key='id') }}
        select * from range({{ var('n', 3) }}) t(id)
        {% if is_incremental() %} where id >= (select max(id) from {{ this }}) {% endif %}
        """})
    assert cli(root, "build").code == 0
    assert cli(root, "build", "--vars", '{"n": 5}').code == 0
    res = cli(root, "build", "--vars", '{"n": 5}')
    assert res.code == 0 and "OK=1" in res.out  # an incremental model always runs its step
    assert rows(root, "select count(*) from inc") == [(5,)]
    res = cli(root, "build", "--vars", '{"n": 6}', "--no-parse-cache")
    assert res.code == 0, res.text
    assert rows(root, "select count(*) from inc") == [(6,)]


def test_the_library_loads_without_the_cache_unless_asked(make_project):
    root = make_project(FILES)
    load_project(root)
    assert not (root / "target" / parse_cache.CACHE_NAME).exists()
    load_project(root, cache=True)
    assert (root / "target" / parse_cache.CACHE_NAME).exists()


def test_a_miss_normalizes_only_the_sql_that_changed(make_project, monkeypatch):
    import warehouse.compile.fingerprint

    root = make_project(FILES)
    load(root)
    write(root, "models/stg.sql", "select id, name || '?' as name from {{ ref('people') }}")
    seen = []
    real = warehouse.compile.fingerprint.normalize_sql

    def spy(sql):
        seen.append(sql)
        return real(sql)

    monkeypatch.setattr(warehouse.compile.fingerprint, "normalize_sql", spy)
    project = load(root)
    assert len(seen) == 1 and "?" in seen[0], "the other model's digest came from the cache"
    monkeypatch.setattr(warehouse.compile.fingerprint, "normalize_sql", real)
    assert dict(project.fingerprints) == dict(load_project(root).fingerprints)


def test_warnings_a_template_prints_are_printed_again_from_the_cache(make_project, counting,
                                                                      capsys):
    files = dict(FILES)
    files["models/stg.sql"] = ("{{ exceptions.warn('stg is deprecated') }}"
                               "select id, name from {{ ref('people') }}")
    root = make_project(files)
    load(root)
    assert "warning: stg is deprecated" in capsys.readouterr().err
    load(root)
    assert len(counting) == 1
    assert "warning: stg is deprecated" in capsys.readouterr().err


def assert_same_as_cold(project, root: Path) -> None:
    cold = load_project(root)
    assert project.nodes == cold.nodes  # compiled SQL, columns, refs, config
    assert project.parents == cold.parents
    assert dict(project.fingerprints) == dict(cold.fingerprints)


def test_a_miss_analyses_only_the_model_that_changed(make_project, counting, analysed):
    root = make_project(FILES)
    load(root)
    assert len(analysed) == 2
    analysed.clear()
    write(root, "models/stg.sql", "select id, name || '?' as name from {{ ref('people') }}")
    project = load(root)
    assert len(counting) == 2, "a miss: every model is rendered again"
    assert analysed == [sql_of(project, "stg")], "the other model's analysis came from the cache"
    analysed.clear()
    assert_same_as_cold(project, root)
    assert len(analysed) == 2, "a load without the cache analyses everything"


def test_a_macro_edit_re_analyses_the_models_whose_sql_it_changes(make_project, analysed):
    root = make_project(FILES)
    load(root)
    analysed.clear()
    write(root, "pyproject.toml", "[tool.warehouse]\n[tool.warehouse.vars]\nfactor = 3\n")
    project = load(root)
    assert analysed == [sql_of(project, "scaled")] and "* 3" in analysed[0]
    analysed.clear()
    write(root, "macros/scale.sql", "{% macro scale(col) %}{{ col }} * 100{% endmacro %}")
    project = load(root)
    assert analysed == [sql_of(project, "scaled")] and "* 100" in analysed[0]
    analysed.clear()
    write(root, "macros/scale.sql", "{% macro scale(col) %}{{ col }}  *  100{% endmacro %}")
    load(root)
    assert analysed == [sql_of(load(root), "scaled")], "any change of the text counts"
    assert_same_as_cold(load(root), root)


def test_the_memo_keeps_only_what_the_last_load_used(make_project):
    from warehouse.compile.memo import text_key

    root = make_project(FILES)
    load(root)
    for n in range(3):  # (a YAML edit too: a load after model edits alone keeps the memos)
        write(root, "models/stg.sql", f"select id, name, {n} as n from {{{{ ref('people') }}}}")
        write(root, "models/schema.yml", FILES["models/schema.yml"].replace("ids.", f"{n}."))
        project = load(root)
    entry = parse_cache.read_cache(root / "target" / parse_cache.CACHE_NAME, None)
    assert entry is not None
    _version, analyses = entry.memos["analyses"]
    # (the other model came whole from the per-model cache: its SQL was not analysed)
    assert set(analyses) == {text_key(sql_of(project, "stg"))}
    _version, digests = entry.memos["sql_digests"]
    assert len(digests) <= len(project.nodes)


def test_an_analysis_error_is_raised_again_on_the_next_load(make_project, counting, analysed):
    root = make_project(FILES)
    load(root)
    write(root, "models/bad.sql", "select 1 as x from from")
    for _ in range(2):
        analysed.clear()
        with pytest.raises(ProjectError, match="syntax error"):
            load(root)
        assert "select 1 as x from from" in analysed, "the error was not remembered"
    write(root, "models/bad.sql", "select 1 as x")
    assert sql_of(load(root), "bad") == "select 1 as x"


def test_an_analysis_made_by_another_engine_is_not_used(make_project, analysed, monkeypatch):
    root = make_project(FILES)
    load(root)
    analysed.clear()
    monkeypatch.setattr(parse_cache, "engine_signature", lambda: "another engine")
    load(root)
    assert len(analysed) == 2


def test_a_model_edit_does_not_parse_the_property_files_again(make_project, monkeypatch):
    """The YAML's parse is kept apart, under its own text: a model edited (a miss) reuses
    it; a property file edited parses it again, and its change shows."""
    import warehouse.core.properties

    parsed = []
    real = warehouse.core.properties.load_properties

    def spy(files, **kwargs):
        parsed.append(sorted(files))
        return real(files, **kwargs)

    monkeypatch.setattr(warehouse.core.properties, "load_properties", spy)
    root = make_project(FILES)
    load(root)
    assert len(parsed) == 1
    write(root, "models/stg.sql", "select id, name, 1 as one from {{ ref('people') }}")
    project = load(root)
    assert len(parsed) == 1, "a model edit: the kept parse of the YAML serves"
    assert "1 as one" in sql_of(project, "stg")
    scaled = project.nodes[NodeId(NodeKind.MODEL, "scaled")]
    assert scaled.description == "Scaled ids."
    yml = (root / "models/schema.yml").read_text().replace("Scaled ids.", "Ids, scaled.")
    (root / "models/schema.yml").write_text(yml)
    project = load(root)
    assert len(parsed) == 2
    assert project.nodes[NodeId(NodeKind.MODEL, "scaled")].description == "Ids, scaled."
    write(root, "models/schema.yml", "models:\n  - name: scaled\n    colums: []\n")
    with pytest.raises(ProjectError, match="colums"):
        load(root)


def test_the_engine_signature_covers_every_layer_of_the_engine():
    """An edited module of any layer (an editable install) must not serve a load an older
    engine made: each module's size and mtime are in the signature."""
    lines = parse_cache.engine_signature().splitlines()
    for module in ("core/nodes.py", "core/properties.py", "compile/parse.py", "run/noop.py",
                   "adapters/duckdb/parser.py", "cli.py"):
        assert any(line.startswith(module + ":") for line in lines), module


def test_a_property_file_edit_parses_that_file_only(make_project, monkeypatch):
    """Each file's YAML parse is kept by its text: an edit parses the edited file again,
    the others come from target/, and the merged result equals a load without any cache
    (a name described in two files is still an error)."""
    import warehouse.core.yaml_load

    files = dict(FILES)
    files["models/more.yml"] = "models:\n  - name: stg\n    description: Staged.\n"
    root = make_project(files)
    load(root)
    parsed = []
    real = warehouse.core.yaml_load.load_yaml
    monkeypatch.setattr(warehouse.core.yaml_load, "load_yaml",
                        lambda text, path: parsed.append(path) or real(text, path))
    write(root, "models/more.yml", "models:\n  - name: stg\n    description: Staged!\n")
    project = load(root)
    assert parsed == ["models/more.yml"]
    assert project.nodes[NodeId(NodeKind.MODEL, "stg")].description == "Staged!"
    assert project.nodes[NodeId(NodeKind.MODEL, "scaled")].description == "Scaled ids."
    assert_same_as_cold(project, root)
    write(root, "models/more.yml", "models:\n  - name: scaled\n    description: Twice.\n")
    with pytest.raises(ProjectError, match="described twice"):
        load(root)


def settle(root: Path) -> None:
    """Every input file two minutes old: settled, as files are between edits."""
    import os
    import time

    old = time.time() - 120
    for path in root.rglob("*"):
        if path.is_file() and "target" not in path.parts:
            os.utime(path, (old, old))


def test_a_settled_project_loads_from_its_files_stats_alone(make_project, counting,
                                                             monkeypatch):
    """With every file as it was at the last load (size, mtime, ctime) and the same
    environment values, the load reads no file; any edit, or an environment variable a
    template reads, and it loads as before."""
    import warehouse.compile.files

    monkeypatch.delenv("WH_TEST_REGION", raising=False)
    root = make_project(FILES)
    settle(root)
    cold = load(root)
    real = warehouse.compile.files.read_files

    def no_reading(config):
        raise AssertionError("a load from the stats reads no file")

    monkeypatch.setattr(warehouse.compile.files, "read_files", no_reading)
    warm = load(root)
    assert len(counting) == 1 and warm.nodes == cold.nodes
    assert warm.env_read == ("WH_TEST_REGION",)
    monkeypatch.setattr(warehouse.compile.files, "read_files", real)
    assert "scale" in warm.renderer.macros, "the renderer reads the files when asked"
    monkeypatch.setenv("WH_TEST_REGION", "south")
    assert "'south'" in sql_of(load(root), "scaled")
    assert len(counting) == 2
    write(root, "models/stg.sql", "select id, name || '?' as name from {{ ref('people') }}")
    assert "'?'" in sql_of(load(root), "stg")
    assert len(counting) == 3
    settle(root)  # new stats, the same texts: the kept load, and its stats recorded
    load(root)
    monkeypatch.setattr(warehouse.compile.files, "read_files", no_reading)
    assert "'?'" in sql_of(load(root), "stg")
    assert len(counting) == 3


def test_files_edited_just_now_are_read_whatever_their_stats(make_project, counting,
                                                              monkeypatch):
    """Within the file system's timestamp granularity an edit can keep size and mtime:
    a load of files modified in the last seconds records no stats digest."""
    import warehouse.compile.files

    root = make_project(FILES)
    load(root)
    read = []
    real = warehouse.compile.files.read_files
    monkeypatch.setattr(warehouse.compile.files, "read_files",
                        lambda config: read.append(1) or real(config))
    load(root)
    assert read == [1] and len(counting) == 1


def test_a_warm_load_leaves_the_collector_as_it_found_it(make_project):
    """The cache is unpickled with the collector paused and its objects moved to the oldest
    generation: nothing may stay frozen or paused, and an outer freeze stays."""
    import gc

    root = make_project(FILES)
    load(root)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert load(root).nodes
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.freeze()
    try:
        load(root)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_load_restores_the_collector_s_thresholds_even_when_it_fails(make_project):
    import gc

    root = make_project(FILES)
    saved = gc.get_threshold()
    load_project(root, cache=True)
    load_project(root)
    assert gc.get_threshold() == saved
    write(root, "models/bad.sql", "select {{ undefined_name }}")
    with pytest.raises(ProjectError):
        load_project(root, cache=True)
    assert gc.get_threshold() == saved
