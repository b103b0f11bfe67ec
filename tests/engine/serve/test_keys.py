"""Keys read from data tests (warehouse.serve.keys), and what is published beside the marts.

The project is small and built for real: the keys are computed from the loaded
project and the published file's columns, as `warehouse publish` does; the
publish set is checked through `warehouse export --parquet`, which shares it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from conftest import write_project
from wh_helpers import build

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.serve import export
from warehouse.serve.keys import relationship_target, table_keys

FILES = {
    "pyproject.toml": """
        [tool.warehouse]
        [tool.warehouse.models.staging]
        "+schema" = "staging"
        [tool.warehouse.models.intermediate]
        "+materialized" = "table"
        "+schema" = "intermediate"
        [tool.warehouse.models.marts]
        "+materialized" = "table"
        "+schema" = "marts"
    """,
    "models/staging/stg_kind.sql": "select 'a' as kind union all select 'b'",
    "models/intermediate/int_history.sql": "select 1 as shop_id, 'a' as kind",
    "models/marts/dim_shop.sql": """
        select 1 as shop_id, 'S1' as code, 'x' as label union all
        select 2, 'S2', 'x'
    """,
    "models/marts/fct_sale.sql": """
        select 10 as sale_id, 1 as shop_id, 'S1' as shop_code, 'a' as kind, 'x' as label,
               10 as parent_sale_id
    """,
    "models/marts/dim_hidden.sql": "select 1 as id",
    "models/_models.yml": """
        models:
          - name: int_history
            config: {meta: {publish: true}}
            columns:
              - name: shop_id
                data_tests:
                  - relationships: {to: ref('dim_shop'), field: shop_id}
          - name: dim_hidden
            config: {meta: {publish: false}}
          - name: dim_shop
            columns:
              - name: shop_id
                data_tests: [unique, not_null]
              - name: code
                data_tests: [unique]
              - name: label
                data_tests: [{unique: {config: {severity: warn}}}, not_null]
          - name: fct_sale
            columns:
              - name: sale_id
                data_tests: [not_null, unique]
              - name: shop_id
                data_tests:
                  - relationships: {to: ref('dim_shop'), field: shop_id}
              - name: shop_code
                data_tests:
                  - relationships: {to: ref('dim_shop'), field: code}
              - name: kind
                data_tests:
                  - relationships: {to: ref('stg_kind'), field: kind}
              - name: label
                data_tests:
                  - relationships: {to: ref('dim_shop'), field: label}
              - name: parent_sale_id
                data_tests:
                  - relationships: {to: ref('fct_sale'), field: sale_id,
                                    config: {where: "sale_id > 0"}}
    """,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("keys") / "project", FILES)
    result, log = build(root)
    assert result.exit_code == 0, log
    return root


def columns_of(root: Path, project) -> dict[NodeId, list[str]]:
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        out = {}
        for node in project.nodes.values():
            if node.id.kind is NodeKind.MODEL:
                out[node.id] = [r[0] for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = ?"
                    " and table_name = ? order by ordinal_position",
                    [node.relation.schema, node.relation.name]).fetchall()]
        return out
    finally:
        con.close()


def model(name: str) -> NodeId:
    return NodeId(NodeKind.MODEL, name)


def test_unique_and_not_null_make_the_primary_key_and_relationships_foreign_keys(built):
    project = load_project(built)
    columns = columns_of(built, project)
    published = [model("dim_shop"), model("fct_sale"), model("int_history")]
    keys = table_keys(project.nodes, {n: columns[n] for n in published})
    shop, sale = keys.of(model("dim_shop")), keys.of(model("fct_sale"))
    assert shop.primary == ("shop_id",)
    assert shop.unique == (("code",),)  # unique alone: a unique key; label's is only a warning
    assert sale.primary == ("sale_id",)
    assert [(f.columns, f.to.name, f.to_columns) for f in sale.foreign] == [
        (("shop_id",), "dim_shop", ("shop_id",)), (("shop_code",), "dim_shop", ("code",))]
    history = keys.of(model("int_history"))
    assert history.primary == () and [f.to.name for f in history.foreign] == ["dim_shop"]
    reasons = {s.reason for s in keys.skipped}
    assert reasons == {"stg_kind is not published", "dim_shop.label is not a key (no unique test)"}


def test_a_relationship_to_a_relation_left_unpublished_is_no_foreign_key(built):
    project = load_project(built)
    columns = columns_of(built, project)
    keys = table_keys(project.nodes, {model("fct_sale"): columns[model("fct_sale")],
                                      model("dim_shop"): columns[model("dim_shop")]},
                      published=[model("fct_sale")])
    assert keys.of(model("fct_sale")).foreign == ()
    assert keys.of(model("dim_shop")).primary == ("shop_id",)


def test_an_enforced_contracts_primary_key_wins_over_tests():
    test = SimpleNamespace(
        id=NodeId(NodeKind.TEST, "unique_t_a"), test_name="unique", column_name="a",
        attached_to="t", depends_on=(model("t"),), sql="", name="unique_t_a",
        config=SimpleNamespace(severity="error", where=None, error_if="!=0", enabled=True))
    not_null = SimpleNamespace(**{**vars(test), "test_name": "not_null",
                                  "id": NodeId(NodeKind.TEST, "not_null_t_a")})
    contract = SimpleNamespace(constraints=("primary key (b, c)",), columns=())
    node = SimpleNamespace(id=model("t"), contract=contract, columns=())
    nodes = {model("t"): node, test.id: test, not_null.id: not_null}
    keys = table_keys(nodes, {model("t"): ["a", "b", "c"]})
    assert keys.of(model("t")).primary == ("b", "c")
    assert keys.of(model("t")).unique == (("a",),)


def test_the_target_of_a_relationships_test_is_read_from_its_sql():
    sql = ('with child as (select x as from_field from "m"."a" where x is not null),\n'
           'parent as (\n  select id as to_field\n  from "marts"."dim_b"\n)\n'
           "select from_field from child left join parent on child.from_field = "
           "parent.to_field where parent.to_field is null")
    assert relationship_target(sql) == ("id", "marts.dim_b")
    assert relationship_target(sql.replace("select id as", "select lower(id) as")) == (
        None, None)
    assert relationship_target("select 1 from") == (None, None)


def test_meta_publish_adds_or_removes_a_relation_from_the_publish_set(built, tmp_path):
    written = export.export_parquet(load_project(built), tmp_path / "out", echo=lambda _: None)
    assert sorted(f.mart for f in written) == ["dim_shop", "fct_sale", "int_history"]
    got = duckdb.sql(f"select * from '{tmp_path / 'out' / 'int_history.parquet'}'").fetchall()
    assert got == [(1, "a")]


def test_two_published_relations_with_one_name_are_refused(built, tmp_path):
    """They would land in one PostgreSQL schema and one folder, one over the other."""
    project = load_project(built)
    history = project.nodes[model("int_history")]
    project.nodes[history.id] = replace(history, relation=Relation("intermediate", "fct_sale"))
    with pytest.raises(ProjectError, match="under one name, fct_sale"):
        export.export_parquet(project, tmp_path / "out", echo=lambda _: None)


def test_a_publish_flag_that_is_not_a_boolean_is_refused(tmp_path):
    files = dict(FILES)
    files["models/_models.yml"] = """
        models:
          - name: int_history
            config: {meta: {publish: "yes"}}
    """
    root = write_project(tmp_path / "flag", files)
    result, log = build(root)
    assert result.exit_code == 0, log
    with pytest.raises(ProjectError, match="meta publish must be true or false"):
        export.export_parquet(load_project(root), tmp_path / "out", echo=lambda _: None)
