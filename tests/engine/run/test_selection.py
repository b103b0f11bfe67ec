"""Node selection: parsing each selector form, then evaluating specs against a small graph."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from warehouse.core.dag import Dag
from warehouse.core.errors import UsageError
from warehouse.core.identity import NodeId, NodeKind
from warehouse.run.selection import (
    Criterion,
    NodeInfo,
    SelectionState,
    parse_selector,
    resolve_selection,
    select_nodes,
)

M, S, SRC, T, SNAP = (NodeKind.MODEL, NodeKind.SEED, NodeKind.SOURCE, NodeKind.TEST,
                      NodeKind.SNAPSHOT)


def info(kind: NodeKind, name: str, path: str, parents: str = "", **kw) -> tuple[NodeInfo, str]:
    return NodeInfo(id=NodeId(kind, name), name=name, kind=kind, path=path, **kw), parents


# seed raw_people -> stg_people -> dim_people -> report
# source erp.orders -> stg_orders -> int_joined (also stg_people) -> fct_orders -> report
# stg_people -> people_snap (snapshot); tests hang off several nodes
PROJECT = [
    info(S, "raw_people", "seeds/raw_people.csv"),
    info(SRC, "erp.orders", "models/staging/sources.yml", source_name="erp"),
    info(SRC, "erp.customers", "models/staging/sources.yml", source_name="erp"),
    info(M, "stg_people", "models/staging/stg_people.sql", "seed.raw_people",
         tags=frozenset({"staging"}), materialized="view"),
    info(M, "stg_orders", "models/staging/stg_orders.sql", "source.erp.orders",
         tags=frozenset({"staging", "daily"}), materialized="view"),
    info(M, "int_joined", "models/intermediate/int_joined.sql", "model.stg_people model.stg_orders",
         materialized="ephemeral"),
    info(M, "fct_orders", "models/marts/fct_orders.sql", "model.int_joined",
         tags=frozenset({"daily", "finance"}), materialized="table"),
    info(M, "dim_people", "models/marts/dim_people.sql", "model.stg_people",
         materialized="table"),
    info(M, "report", "models/marts/reports/report.sql", "model.fct_orders model.dim_people",
         materialized="view"),
    info(SNAP, "people_snap", "snapshots/people_snap.sql", "model.stg_people"),
    info(T, "unique_stg_people_id", "models/staging/schema.yml", "model.stg_people",
         test_name="unique"),
    info(T, "not_null_fct_orders_id", "models/marts/schema.yml", "model.fct_orders",
         test_name="not_null"),
    info(T, "relationships_fct_orders_person_id__id__ref_dim_people_",
         "models/marts/schema.yml", "model.fct_orders model.dim_people",
         test_name="relationships"),
    info(T, "assert_report_positive", "tests/assert_report_positive.sql", "model.report"),
    info(T, "source_not_null_erp_orders_id", "models/staging/sources.yml",
         "source.erp.orders", test_name="not_null"),
]
REL = "relationships_fct_orders_person_id__id__ref_dim_people_"


def build(project=PROJECT) -> tuple[Dag, dict[NodeId, NodeInfo]]:
    infos, parents = {}, {}
    for node, ps in project:
        node_parents = tuple(NodeId.parse(p) for p in ps.split())
        if node.kind is T:
            node = replace(node, attached_to=node_parents)
        infos[node.id] = node
        parents[node.id] = node_parents
    return Dag(parents), infos


DAG, INFOS = build()


def sel(*select: str, exclude: tuple[str, ...] = (), state: SelectionState | None = None,
        tests: bool = False) -> set[str]:
    """Names selected; tests left out unless `tests`, to keep expectations short."""
    chosen = select_nodes(DAG, INFOS, list(select) or None, list(exclude) or None, state)
    return {n.name for n in chosen if tests or n.kind is not T}


def picked_tests(*select: str, exclude: tuple[str, ...] = ()) -> set[str]:
    chosen = select_nodes(DAG, INFOS, list(select), list(exclude) or None)
    return {n.name for n in chosen if n.kind is T}


# -- parsing ------------------------------------------------------------------


def test_parse_graph_operators_and_methods():
    spec = parse_selector("2+stg_*+1 tag:daily,path:models/marts @fct_orders")
    assert [t.text for t in spec.terms] == ["2+stg_*+1", "tag:daily,path:models/marts",
                                           "@fct_orders"]
    assert spec.terms[0].criteria == (Criterion(
        "2+stg_*+1", "fqn", "stg_*", parents=True, parents_depth=2, children=True,
        children_depth=1),)
    assert [(c.method, c.value) for c in spec.terms[1].criteria] == [
        ("tag", "daily"), ("path", "models/marts")]
    assert spec.terms[2].criteria[0].childrens_parents
    plain = parse_selector("+a").criteria[0]
    assert plain.parents and plain.parents_depth is None and not plain.children


@pytest.mark.parametrize("text, method", [
    ("models/marts", "path"), ("fct_orders.sql", "file"), ("stg_*", "fqn"),
    ("marts.reports", "fqn"), ("config.materialized:table", "config.materialized"),
    ("source:erp.orders", "source"), ("result:error", "result"), ("state:new", "state"),
    ("2024_trade", "fqn"),
])
def test_parse_default_and_named_methods(text, method):
    assert parse_selector(text).criteria[0].method == method


@pytest.mark.parametrize("text, says", [
    ("", "empty"),
    ("   ", "empty"),
    ("tag:", "'tag:' needs a value"),
    ("+", "names no node"),
    ("3+", "names no node"),
    ("@+a", "'@'"),
    ("+@a", "'@'"),
    ("a,,b", "empty term"),
    (",a", "empty term"),
    ("nope:x", "unknown selector method 'nope:'"),
    ("state:broken", "'state:' takes one of modified, new"),
    ("result:exploded", "'result:' takes one of"),
    ("resource_type:widget", "'resource_type:' takes one of"),
    ("test_type:fancy", "'test_type:' takes one of"),
    ("a:b:c", "cannot read"),
    ("a+b", "cannot read"),
    ("a++", "cannot read"),
])
def test_malformed_selectors_are_usage_errors_quoting_them(text, says):
    with pytest.raises(UsageError) as err:
        parse_selector(text)
    assert f"malformed selector {text!r}" in str(err.value)
    assert says in str(err.value)


def test_malformed_selector_fails_evaluation_before_matching():
    with pytest.raises(UsageError, match="malformed selector 'tag:'"):
        select_nodes(DAG, INFOS, ["fct_orders"], ["tag:"])


# -- evaluation: methods ---------------------------------------------------------


def test_no_selection_means_everything():
    assert select_nodes(DAG, INFOS, None, None) == frozenset(INFOS)
    assert select_nodes(DAG, INFOS, [], []) == frozenset(INFOS)


def test_plain_names_and_globs():
    assert sel("fct_orders") == {"fct_orders"}
    assert sel("stg_*") == {"stg_people", "stg_orders"}
    assert sel("raw_people") == {"raw_people"}  # seeds
    assert sel("people_snap") == {"people_snap"}  # snapshots
    assert sel("orders") == set()  # names match whole, not as substrings
    assert sel("erp.orders") == set()  # sources need source:


def test_plain_folder_names_select_by_fqn_like_dbt():
    assert sel("marts") == {"fct_orders", "dim_people", "report"}
    assert sel("marts.reports") == {"report"}
    assert sel("marts.dim_*") == {"dim_people"}


def test_graph_operators():
    assert sel("+dim_people") == {"dim_people", "stg_people", "raw_people"}
    assert sel("stg_people+") == {"stg_people", "int_joined", "fct_orders", "dim_people",
                                  "report", "people_snap"}
    assert sel("1+fct_orders") == {"fct_orders", "int_joined"}
    assert sel("2+fct_orders") == {"fct_orders", "int_joined", "stg_people", "stg_orders"}
    assert sel("stg_orders+1") == {"stg_orders", "int_joined"}
    assert sel("1+int_joined+1") == {"int_joined", "stg_people", "stg_orders", "fct_orders"}
    assert sel("+stg_orders") == {"stg_orders", "erp.orders"}


def test_at_takes_descendants_and_all_their_ancestors():
    assert sel("@stg_orders") == {
        "stg_orders", "int_joined", "fct_orders", "report",  # descendants
        "erp.orders", "stg_people", "raw_people", "dim_people",  # their ancestors
    }


def test_tag_path_file_and_materialized():
    assert sel("tag:daily") == {"stg_orders", "fct_orders"}
    assert sel("tag:fin*") == {"fct_orders"}
    assert sel("path:models/marts") == {"fct_orders", "dim_people", "report"}
    assert sel("path:models/marts/") == {"fct_orders", "dim_people", "report"}
    assert sel("path:./models/marts/reports") == {"report"}
    assert sel("path:models/mart") == set()  # a folder prefix is whole folders
    assert sel("path:models/marts/fct_orders.sql") == {"fct_orders"}
    assert sel("models/marts/fct_orders.sql") == {"fct_orders"}
    assert sel("path:models/*/stg_*.sql") == {"stg_people", "stg_orders"}
    assert sel("path:seeds") == {"raw_people"}
    assert sel("file:fct_orders.sql") == {"fct_orders"}
    assert sel("fct_orders.sql") == {"fct_orders"}
    assert sel("file:dim_people") == {"dim_people"}
    assert sel("config.materialized:table") == {"fct_orders", "dim_people"}
    assert sel("config.materialized:ephemeral") == {"int_joined"}


def test_path_selects_the_sources_and_tests_a_properties_file_defines():
    assert sel("path:models/staging/sources.yml", tests=True) == {
        "erp.orders", "erp.customers", "source_not_null_erp_orders_id"}


def test_resource_type_and_source():
    assert sel("resource_type:seed") == {"raw_people"}
    assert sel("resource_type:snapshot") == {"people_snap"}
    assert sel("resource_type:source") == {"erp.orders", "erp.customers"}
    assert sel("source:erp") == {"erp.orders", "erp.customers"}
    assert sel("source:erp.orders") == {"erp.orders"}
    assert sel("source:erp.cust*") == {"erp.customers"}
    assert sel("source:erp.orders+") == {"erp.orders", "stg_orders", "int_joined",
                                         "fct_orders", "report"}


def test_test_name_and_test_type():
    assert picked_tests("test_name:not_null") == {"not_null_fct_orders_id",
                                              "source_not_null_erp_orders_id"}
    assert picked_tests("test_name:assert_report_positive") == {"assert_report_positive"}
    assert picked_tests("test_type:singular") == {"assert_report_positive"}
    assert picked_tests("test_type:data") == {"assert_report_positive"}
    assert len(picked_tests("test_type:generic")) == 4
    assert sel("test_type:generic") == set()  # only tests


def test_state_modified_and_new():
    state = SelectionState(
        current_fingerprints={"model.stg_people": "1", "model.fct_orders": "2b",
                              "model.dim_people": "3", "model.report": "4"},
        previous_fingerprints={"model.stg_people": "1", "model.fct_orders": "2a",
                               "model.dim_people": "3"},
    )
    assert sel("state:new", state=state) == {"report"}
    assert sel("state:modified", state=state) == {"fct_orders", "report"}  # new counts
    assert sel("state:modified+", state=state) == {"fct_orders", "report"}
    assert sel("+state:new", state=state) == {"report"} | sel("+report")


def test_result_methods():
    state = SelectionState(previous_results={
        "model.stg_orders": "error", "model.fct_orders": "skipped",
        "test.not_null_fct_orders_id": "fail", "model.dim_people": "success"})
    assert sel("result:error", state=state) == {"stg_orders"}
    assert sel("result:error+", state=state) == {"stg_orders", "int_joined", "fct_orders",
                                                 "report"}
    assert sel("result:skipped", state=state) == {"fct_orders"}
    assert sel("result:fail", state=state, tests=True) == {"not_null_fct_orders_id"}
    assert sel("result:pass", state=state) == set()


def test_state_and_result_without_a_previous_run_are_usage_errors():
    with pytest.raises(UsageError, match="state:modified"):
        sel("state:modified")
    with pytest.raises(UsageError, match="result:error"):
        sel("result:error", state=SelectionState(previous_fingerprints={}))


# -- evaluation: combining -----------------------------------------------------------


def test_space_is_union_and_several_values_are_union():
    assert sel("dim_people fct_orders") == {"dim_people", "fct_orders"}
    assert sel("dim_people", "fct_orders") == {"dim_people", "fct_orders"}


def test_comma_is_intersection():
    assert sel("tag:daily,path:models/marts") == {"fct_orders"}
    assert sel("+report,tag:staging") == {"stg_people", "stg_orders"}
    assert sel("tag:daily,config.materialized:view stg_people") == {"stg_orders", "stg_people"}
    assert sel("tag:daily,tag:nope") == set()


def test_exclude_removes_what_it_selects():
    assert sel("+dim_people", exclude=("raw_people",)) == {"dim_people", "stg_people"}
    assert sel(exclude=("marts", "resource_type:source")) == {
        "raw_people", "stg_people", "stg_orders", "int_joined", "people_snap"}
    assert sel("stg_people+", exclude=("fct_orders+",)) == {
        "stg_people", "int_joined", "dim_people", "people_snap"}


# -- tests come along (eager) and go with exclusions (greedy) ---------------------------


def test_selecting_a_model_selects_every_test_on_it_eagerly():
    # the relationships test also reads dim_people, which is not selected: eager takes it
    assert picked_tests("fct_orders") == {"not_null_fct_orders_id", REL}
    assert picked_tests("stg_people") == {"unique_stg_people_id"}
    assert picked_tests("source:erp.orders") == {"source_not_null_erp_orders_id"}
    assert picked_tests("tag:staging") == {"unique_stg_people_id"}


def test_intersections_select_tests_of_what_they_select():
    assert picked_tests("tag:daily,path:models/marts") == {"not_null_fct_orders_id", REL}


def test_excluding_a_model_excludes_every_test_on_it():
    assert picked_tests("fct_orders dim_people", exclude=("dim_people",)) == {
        "not_null_fct_orders_id"}
    assert picked_tests(exclude=("dim_people",)) == {
        "unique_stg_people_id", "not_null_fct_orders_id", "assert_report_positive",
        "source_not_null_erp_orders_id"}
    assert picked_tests("fct_orders", exclude=("test_name:not_null",)) == {REL}


# -- terms that match nothing -------------------------------------------------------------


def test_unmatched_terms_are_reported_not_raised():
    result = resolve_selection(DAG, INFOS, ["fct_orders tag:nope", "stg_*,path:nowhere"],
                               ["ghost"])
    assert result.unmatched == ("tag:nope", "path:nowhere", "ghost")
    assert {n.name for n in result.nodes} == {"fct_orders", "not_null_fct_orders_id", REL}
    assert resolve_selection(DAG, INFOS, ["nothing_here"], None).nodes == frozenset()
    assert resolve_selection(DAG, INFOS, ["fct_orders"], None).unmatched == ()


# -- size ------------------------------------------------------------------------------


def test_selection_over_five_thousand_nodes_is_fast():
    nodes = []
    for i in range(5000):
        ps = " ".join(f"model.m{j:04d}" for j in (i - 1, i - 7, i - 50) if j >= 0)
        nodes.append(info(M, f"m{i:04d}", f"models/f{i % 20}/m{i:04d}.sql", ps,
                          tags=frozenset({f"t{i % 3}"}), materialized="table"))
        if i % 2:
            nodes.append(info(T, f"not_null_m{i:04d}", f"models/f{i % 20}/schema.yml",
                              f"model.m{i:04d}", test_name="not_null"))
    dag, infos = build(nodes)
    began = time.perf_counter()
    for selector in ("@tag:t1", "+path:models/f3+", "m0*+2,tag:t2", "3+m4*"):
        select_nodes(dag, infos, [selector], ["tag:t0"])
    assert time.perf_counter() - began < 5
