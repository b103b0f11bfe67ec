"""Sources read from files (dbt-duckdb's `external_location`): CSV, Parquet and JSON written
in the test's folder, read through DuckDB's readers wherever the source is used (a model,
a generic test), placeholders filled as dbt-duckdb fills them, and the files read again on
every build."""

from __future__ import annotations

import duckdb
import pytest

from tests.wh_helpers import build, rows
from warehouse.core.errors import ProjectError

JOINED = """
    select p.id, p.name, o.amount, t.tag
    from {{ source('files', 'people') }} as p
    left join {{ source('files', 'orders') }} as o on o.id = p.id
    left join {{ source('files', 'tags') }} as t on t.id = p.id
    """


def data_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text("id,name\n1,ann\n2,bob\n")
    con = duckdb.connect()
    con.execute(f"copy (select * from (values (1, 10.5), (2, 3.0)) as t(id, amount)) to "
                f"'{folder / 'orders.parquet'}' (format parquet)")
    con.execute(f"copy (select 1 as id, 'vip' as tag) to '{folder / 'tags.json'}' "
                "(format json)")
    con.close()
    return folder


def sources_yaml(folder) -> str:
    return f"""
        sources:
          - name: files
            meta:
              external_location: "{folder}/{{name}}.csv"
            tables:
              - name: people
                columns:
                  - name: id
                    data_tests: [unique, not_null]
              - name: orders
                meta:
                  external_location: "read_parquet('{folder}/orders.parquet')"
              - name: tags
                config:
                  external_location: "{folder}/tags.json"
        """


def test_csv_parquet_and_json_files_as_sources(make_project, tmp_path):
    """The source's meta names the CSV ({name} filled per table); a table's own meta (a
    reader call) and config (a JSON path) win over it; DuckDB reads each by its kind."""
    folder = data_files(tmp_path / "data")
    root = make_project({"models/sources.yml": sources_yaml(folder), "models/joined.sql": JOINED})
    result, out = build(root)
    assert result.exit_code == 0, out
    assert out.count("PASS  test") == 2 and "people_id" in out, out
    assert rows(root, "select id, name, amount::double, tag from joined order by id") == [
        (1, "ann", 10.5, "vip"), (2, "bob", 3.0, None)]
    assert rows(root, "select count(*) from information_schema.tables "
                      "where table_name in ('people', 'orders', 'tags')") == [(0,)]


def test_the_files_are_read_again_on_each_build(make_project, tmp_path):
    """A source in files has no table whose data the engine can sign: what reads it is
    built every time, so new rows in the file reach the warehouse."""
    folder = data_files(tmp_path / "data")
    root = make_project({"models/sources.yml": sources_yaml(folder),
                         "models/names.sql": "{{ config(materialized='table') }}\n"
                                             "select name from {{ source('files', 'people') }}"})
    assert build(root)[0].exit_code == 0
    (folder / "people.csv").write_text("id,name\n1,ann\n2,bob\n3,cy\n")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert rows(root, "select count(*) from names") == [(3,)]


def test_a_test_on_a_file_source_reads_the_file(make_project, tmp_path):
    folder = data_files(tmp_path / "data")
    (folder / "people.csv").write_text("id,name\n1,ann\n1,bob\n")
    root = make_project({"models/sources.yml": sources_yaml(folder), "models/joined.sql": JOINED})
    result, out = build(root)
    assert result.exit_code != 0
    assert "FAIL 1 " in out and "unique" in out and "1 failing row" in out, out


@pytest.mark.parametrize("formatter, location", [
    ("oldstyle", "%(root)s/%(identifier)s.csv"),
    ("template", "${root}/${identifier}.csv"),
])
def test_formatters_and_meta_keys(make_project, tmp_path, formatter, location):
    """dbt-duckdb's other formatters; a meta key (`root`) and the table's identifier as
    placeholders."""
    folder = data_files(tmp_path / "data")
    root = make_project({
        "models/sources.yml": f"""
            sources:
              - name: files
                meta:
                  root: "{folder}"
                  formatter: {formatter}
                  external_location: "{location}"
                tables:
                  - name: crm_people
                    identifier: people
            """,
        "models/names.sql": "select name from {{ source('files', 'crm_people') }}"})
    result, out = build(root)
    assert result.exit_code == 0, out
    assert rows(root, "select * from names order by 1") == [("ann",), ("bob",)]


def test_a_relative_path_is_read_from_the_current_folder(make_project, tmp_path,
                                                         monkeypatch):
    """As DuckDB (and so dbt-duckdb) reads it."""
    data_files(tmp_path / "data")
    root = make_project({
        "models/sources.yml": """
            sources:
              - name: files
                tables:
                  - name: people
                    meta: {external_location: "data/people.csv"}
            """,
        "models/names.sql": "select name from {{ source('files', 'people') }}"})
    monkeypatch.chdir(tmp_path)
    result, out = build(root)
    assert result.exit_code == 0, out


@pytest.mark.parametrize("meta, words", [
    ('external_location: "data/{region}.csv"', ["{region}", "models/sources.yml:6"]),
    ('external_location: "data/x.csv"\n          formatter: fancy',
     ["formatter 'fancy'", "models/sources.yml:6"]),
    ("external_location: [a, b]", ["must be text", "models/sources.yml:6"]),
    ("plugin: excel", ["meta.plugin", "not supported", "models/sources.yml:6"]),
])
def test_errors_are_located(make_project, meta, words):
    root = make_project({"models/sources.yml": (
        "sources:\n  - name: files\n    tables:\n      - name: people\n        meta:\n"
        f"          {meta}\n")})
    with pytest.raises(ProjectError) as error:
        build(root)
    assert all(w in str(error.value) for w in words), str(error.value)


def test_a_snapshot_keeps_the_history_of_a_file(make_project, tmp_path):
    """A file replaced between builds (an export dropped each day): the snapshot of its
    source keeps each version of a changed row."""
    folder = data_files(tmp_path / "data")
    root = make_project({
        "models/sources.yml": sources_yaml(folder),
        "snapshots/people.sql": """
            {% snapshot people_history %}
            {{ config(target_schema='history', strategy='check', unique_key='id',
                      check_cols=['name']) }}
            select * from {{ source('files', 'people') }}
            {% endsnapshot %}
            """})
    assert build(root)[0].exit_code == 0
    (folder / "people.csv").write_text("id,name\n1,ann\n2,bea\n")
    result, out = build(root)
    assert result.exit_code == 0, out
    assert rows(root, "select id, name, dbt_valid_to is null from history.people_history "
                      "order by id, dbt_valid_from") == [
        (1, "ann", True), (2, "bob", False), (2, "bea", True)]


def test_column_lineage_reaches_the_file_sources(make_project, tmp_path, cli):
    """Each column traced to its source, whether read by path or by a reader call; a
    reader call that is no source is unknown, not a constant."""
    folder = data_files(tmp_path / "data")
    root = make_project({"models/sources.yml": sources_yaml(folder), "models/joined.sql": JOINED,
                         "models/raw.sql": f"select id from read_csv('{folder}/people.csv')"})
    assert build(root)[0].exit_code == 0
    for column, source in (("name", "files.people.name"), ("amount", "files.orders.amount"),
                           ("tag", "files.tags.tag")):
        res = cli(root, "lineage", f"joined.{column}")
        assert res.code == 0 and source in res.out, res.text
    res = cli(root, "lineage", "raw.id")
    assert "unknown" in res.out and "constant" not in res.out, res.text


def test_a_file_source_has_no_data_signature_even_beside_a_table_of_its_name():
    """Its files may have changed whatever a table of the same name holds: what reads it
    must run (a signature of None), while a table source keeps its table's signature."""
    from types import SimpleNamespace

    from warehouse.core.identity import Relation
    from warehouse.core.nodes import SourceNode
    from warehouse.run.state import source_data

    kept = SourceNode("crm", "people", Relation("crm", "people"), "models/s.yml")
    files = SourceNode("files", "people", Relation("files", "people"), "models/s.yml",
                       external="'data/people.csv'")
    project = SimpleNamespace(nodes={kept.id: kept, files.id: files})
    got = source_data(project, [kept.id, files.id], lambda rels: {r: "sig" for r in rels})
    assert got == {kept.id: "sig", files.id: None}
