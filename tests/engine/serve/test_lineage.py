"""Lineage: model trees from the DAG, column sources from sqlglot, and `warehouse lineage`."""

from __future__ import annotations

import json

import pytest

from warehouse.compile.load import load_project
from warehouse.core.identity import NodeId, NodeKind
from warehouse.serve.lineage import (
    ColumnRef,
    LineageCache,
    analyse_sql,
    column_tree,
    known_columns,
    model_tree,
    project_lineage,
)

FILES = {
    "seeds/orders.csv": """
        order_id,customer_id,amount,status
        1,10,5.5,open
        2,11,7.25,closed
    """,
    "seeds/customers.csv": """
        customer_id,name
        10,Ann
        11,Bo
    """,
    "models/stg_orders.sql": """
        with renamed as (
            select order_id as id, customer_id, amount * 100 as amount_cents, status
            from {{ ref('orders') }}
        )
        select * from renamed
    """,
    "models/customer_base.sql": """
        {{ config(materialized='ephemeral') }}
        select customer_id, upper(name) as customer_name from {{ ref('customers') }}
    """,
    "models/customer_totals.sql": """
        select c.customer_name, sum(o.amount_cents) as total_cents, count(*) as n_orders,
               'orders' as origin
        from {{ ref('stg_orders') }} o
        join {{ ref('customer_base') }} c using (customer_id)
        group by c.customer_name
    """,
    "models/all_ids.sql": """
        select id as any_id from {{ ref('stg_orders') }}
        union all
        select customer_id from {{ ref('customers') }}
    """,
}


@pytest.fixture
def project(make_project):
    return load_project(make_project(FILES))


def lineage_of(project):
    known = known_columns(project.nodes, project.config.root, {})
    return project_lineage(project.nodes, project.parents, project.dag.topological_order(), known)


def sources(lineages, model, column):
    col = lineages[NodeId(NodeKind.MODEL, model)].column(column)
    return col.status, {str(s) for s in col.sources}


def test_cte_and_star_trace_to_the_seed_columns(project):
    lin = lineage_of(project)
    assert [c.column for c in lin[NodeId(NodeKind.MODEL, "stg_orders")].columns] == [
        "id", "customer_id", "amount_cents", "status"]
    assert sources(lin, "stg_orders", "id") == ("known", {"orders.order_id"})
    assert sources(lin, "stg_orders", "amount_cents") == ("known", {"orders.amount"})


def test_aggregates_and_constants(project):
    lin = lineage_of(project)
    assert sources(lin, "customer_totals", "total_cents") == ("known", {"stg_orders.amount_cents"})
    assert sources(lin, "customer_totals", "origin") == ("constant", set())


def test_inlined_ephemeral_model_is_a_source_of_its_own(project):
    lin = lineage_of(project)
    status, found = sources(lin, "customer_totals", "customer_name")
    assert (status, found) == ("known", {"customer_base.customer_name"})
    ref = lin[NodeId(NodeKind.MODEL, "customer_totals")].column("customer_name").sources[0]
    assert ref.node == NodeId(NodeKind.MODEL, "customer_base")
    assert sources(lin, "customer_base", "customer_name") == ("known", {"customers.name"})


def test_union_takes_both_branches(project):
    lin = lineage_of(project)
    assert sources(lin, "all_ids", "any_id") == (
        "known", {"stg_orders.id", "customers.customer_id"})


def test_sql_sqlglot_cannot_read_is_unknown_not_an_error():
    columns, error = analyse_sql("select from from where", {}, {}, ("a", "b"))
    assert error.startswith("sqlglot could not analyse")
    assert [(c.column, c.status) for c in columns] == [("a", "unknown"), ("b", "unknown")]


def test_unresolvable_column_is_unknown():
    # a table whose columns are not known: sqlglot cannot tell which join side `x` is from
    relations = {("s", "a"): NodeId(NodeKind.SEED, "a"), ("s", "b"): NodeId(NodeKind.SEED, "b")}
    columns, error = analyse_sql("select x from s.a join s.b on true", {}, relations)
    assert error == ""
    assert [(c.column, c.status) for c in columns] == [("x", "unknown")]


def test_cache_gives_the_same_answer_without_sqlglot(project, monkeypatch):
    cache = LineageCache()
    known = known_columns(project.nodes, project.config.root, {})
    order = project.dag.topological_order()
    first = project_lineage(project.nodes, project.parents, order, known, cache)
    import warehouse.serve.lineage as lineage_module

    monkeypatch.setattr(lineage_module, "analyse_sql", lambda *a, **k: pytest.fail("not cached"))
    again = project_lineage(project.nodes, project.parents, order, known,
                            LineageCache(json.loads(json.dumps(cache.to_json()))))
    assert again == first


def test_cache_of_another_engine_version_is_not_served(project):
    known = known_columns(project.nodes, project.config.root, {})
    order = project.dag.topological_order()
    old = LineageCache(version="engine 1")
    project_lineage(project.nodes, project.parents, order, known, old)
    new = LineageCache(dict(old.to_json()), version="engine 2")
    project_lineage(project.nodes, project.parents, order, known, new)
    assert new.used and not new.used & set(old.to_json()), "a stale result was reused"


def test_model_trees_both_ways(project):
    up = model_tree(project.dag, NodeId(NodeKind.MODEL, "customer_totals"), upstream=True)
    assert [c.node.name for c in up.children] == ["customer_base", "stg_orders"]
    assert [c.node.name for c in up.children[0].children] == ["customers"]
    down = model_tree(project.dag, NodeId(NodeKind.SEED, "orders"), upstream=False)
    assert [c.node.name for c in down.children] == ["stg_orders"]
    assert {c.node.name for c in down.children[0].children} == {"all_ids", "customer_totals"}


def test_column_tree_reaches_the_seeds(project):
    lin = lineage_of(project)
    tree = column_tree(lin, ColumnRef(NodeId(NodeKind.MODEL, "customer_totals"), "total_cents"))
    step = tree.children[0]
    assert (step.node.name, step.column) == ("stg_orders", "amount_cents")
    assert [(c.node, c.column) for c in step.children] == [(NodeId(NodeKind.SEED, "orders"),
                                                           "amount")]


def test_cli_model_tree_text_and_json(make_project, cli):
    root = make_project(FILES)
    text = cli(root, "lineage", "stg_orders")
    assert text.code == 0, text.text
    assert "upstream" in text.out and "orders (seed)" in text.out
    assert "customer_totals (model)" in text.out and "all_ids (model)" in text.out
    data = json.loads(cli(root, "lineage", "stg_orders", "--output", "json").out)
    assert [n["unique_id"] for n in data["upstream"]] == ["seed.orders"]
    assert {n["name"] for n in data["downstream"]} == {"all_ids", "customer_totals"}


def test_cli_column_sources_recursive_json(make_project, cli):
    root = make_project(FILES)
    result = cli(root, "lineage", "customer_totals.total_cents", "--output", "json")
    assert result.code == 0, result.text
    data = json.loads(result.out)
    assert data["unique_id"] == "model.customer_totals" and data["column"] == "total_cents"
    step = data["children"][0]
    assert (step["name"], step["column"]) == ("stg_orders", "amount_cents")
    assert [(c["unique_id"], c["column"]) for c in step["children"]] == [("seed.orders", "amount")]
    text = cli(root, "lineage", "customer_totals.total_cents").out
    assert "orders.amount (seed)" in text


def test_cli_unknown_model_and_column_suggest_close_names(make_project, cli):
    root = make_project(FILES)
    bad_model = cli(root, "lineage", "stg_ordrs")
    assert bad_model.code == 2
    assert "'stg_ordrs'" in bad_model.err and "stg_orders" in bad_model.err
    assert "Traceback" not in bad_model.err
    bad_column = cli(root, "lineage", "stg_orders.amount_cent")
    assert bad_column.code == 2
    assert "'amount_cent'" in bad_column.err and "amount_cents" in bad_column.err


def test_a_model_sqlglot_rejects_does_not_stop_its_children(make_project):
    # DuckDB accepts a CTE named `values`; sqlglot does not
    project = load_project(make_project({
        "models/odd.sql": "with values as (select 1 as a) select a from values",
        "models/child.sql": "select a, a + 1 as b from {{ ref('odd') }}",
    }))
    lin = lineage_of(project)
    odd = lin[NodeId(NodeKind.MODEL, "odd")]
    assert odd.error.startswith("sqlglot could not analyse")
    assert [(c.column, c.status) for c in odd.columns] == [("a", "unknown")]
    assert sources(lin, "child", "b") == ("known", {"odd.a"})
