"""Data tests: YAML entry forms, dbt names, built-in SQL, thresholds, running and messages."""

from __future__ import annotations

import copy
import hashlib
import pickle
import textwrap

import duckdb
import pytest

from warehouse.adapters.duckdb.adapter import DuckDBSession
from warehouse.compile.datatests import (
    TestConfig,
    TestSpec,
    apply_where,
    config_from_mapping,
    evaluate,
    generic_test_name,
    generic_test_sql,
    parse_test_entries,
    short_test_name,
)
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.core.properties import load_yaml
from warehouse.run.testrun import failure_message, format_cell, run_test, run_test_node

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def parse(entries, column="value", model="fct", **kw):
    return parse_test_entries(entries, attached_to=model, column_name=column,
                              yaml_path="models/schema.yml", yaml_line=kw.pop("line", 7), **kw)


def one(entry, **kw):
    specs = parse([entry], **kw)
    assert len(specs) == 1
    return specs[0]


def yaml_tests(text: str):
    """The data_tests list of the first column, loaded as the project loads YAML."""
    data = load_yaml(textwrap.dedent(text), "models/schema.yml")
    return data["models"][0]["columns"][0]["data_tests"]


@pytest.fixture
def con():
    """An adapter session on an in-memory DuckDB database, as the runner hands tests one."""
    con = DuckDBSession(duckdb.connect())
    con.execute("""
        create schema marts;
        create table marts.fct as
        select * from (values (1, 'a', 10), (2, 'b', 20), (3, 'c', null), (4, 'c', 40),
                              (5, 'zz', 50)) t(id, code, value);
        create table marts.dim as select * from (values ('a'), ('b'), ('c')) t(code);
    """)
    yield con
    con.close()


FCT = Relation("marts", "fct").sql
DIM = Relation("marts", "dim").sql


def spec(name="t", **config):
    return TestSpec(name=name, test_name="custom", attached_to="fct", column_name=None,
                    config=TestConfig(**config))


def run(con, test_name, column, kwargs=None, where=None, **config):
    sql = generic_test_sql(test_name, model=apply_where(FCT, where), column_name=column,
                           kwargs=kwargs or {})
    return run_test(con.cursor(), spec(f"{test_name}_fct_{column}", **config), sql)


# ---------------------------------------------------------------------------
# YAML entry forms
# ---------------------------------------------------------------------------


def test_string_entry():
    s = one("not_null")
    assert (s.name, s.test_name, s.attached_to, s.column_name) == (
        "not_null_fct_value", "not_null", "fct", "value")
    assert s.config == TestConfig() and dict(s.kwargs) == {}


def test_mapping_entry_with_args_and_config_block():
    s = one({"accepted_values": {"values": ["a", "b"], "quote": True,
                                 "config": {"severity": "WARN", "where": "id > 1"}}},
            column="code")
    assert s.name == "accepted_values_fct_code__True__a__b"
    assert s.kwargs["values"] == ("a", "b") and s.kwargs["quote"] is True
    assert s.config.severity == "warn" and s.config.where == "id > 1"


def test_dbt_110_arguments_key():
    s = one({"accepted_values": {"arguments": {"values": ["a", "b"]},
                                 "config": {"store_failures": True, "limit": 3}}}, column="code")
    assert s.name == "accepted_values_fct_code__a__b"
    assert dict(s.kwargs) == {"values": ("a", "b")}
    assert s.config.store_failures is True and s.config.limit == 3


def test_old_style_top_level_config_keys_and_name():
    s = one({"not_null": {"name": "my_check", "severity": "warn", "warn_if": "> 10",
                          "error_if": ">=100", "tags": ["nightly"], "where": "id > 2"}})
    assert s.name == "my_check"
    assert s.config == TestConfig(severity="warn", warn_if=">10", error_if=">=100",
                                  where="id > 2", tags=("nightly",))
    assert dict(s.kwargs) == {}


def test_name_under_config_and_alternative_form():
    assert one({"unique": {"config": {"name": "u1"}}}).name == "u1"
    s = one({"name": "codes_ok", "test_name": "accepted_values", "values": ["a"]}, column="code")
    assert (s.name, s.test_name, dict(s.kwargs)) == ("codes_ok", "accepted_values",
                                                     {"values": ("a",)})


def test_bare_key_with_no_args_and_model_level_tests():
    assert one({"unique": None}).name == "unique_fct_value"
    s = one({"expression_is_true": {"expression": "value >= 0"}}, column=None)
    assert s.name == "expression_is_true_fct_value_0" and s.column_name is None
    s = one({"unique": {"column_name": "id || code"}}, column=None)
    assert s.column_name == "id || code" and s.name == "unique_fct_id_code"


def test_entries_from_yaml_with_line_numbers():
    entries = yaml_tests("""
        models:
          - name: fct
            columns:
              - name: value
                data_tests:
                  - not_null
                  - accepted_values:
                      arguments:
                        values: [1, 2]
                        quote: false
                      config:
                        severity: warn
        """)
    specs = parse(entries)
    assert [s.name for s in specs] == ["not_null_fct_value",
                                       "accepted_values_fct_value__False__1__2"]
    assert specs[1].yaml_line == 8 and specs[1].kwargs["values"] == (1, 2)
    assert "__line__" not in specs[1].kwargs


def test_project_macro_tests_keep_their_args():
    s = one({"is_between": {"low": 0, "high": {"a": 1}}})
    assert s.test_name == "is_between"
    assert s.kwargs["low"] == 0 and dict(s.kwargs["high"]) == {"a": 1}
    assert s.name == "is_between_fct_value__1__0"


def test_disabled_tests_are_left_out_and_defaults_apply():
    assert parse([{"unique": {"config": {"enabled": False}}}]) == []
    specs = parse(["unique"], defaults=TestConfig(severity="warn", tags=("a",)))
    assert specs[0].config.severity == "warn"
    s = one({"unique": {"tags": "b"}}, defaults=TestConfig(tags=("a",)))
    assert s.config.tags == ("a", "b")


def test_specs_are_frozen_and_survive_pickle_and_deepcopy():
    s = one({"accepted_values": {"values": ["a"]}}, column="code")
    with pytest.raises(TypeError):
        s.kwargs["values"] = ("b",)  # type: ignore[index]
    with pytest.raises(AttributeError):
        s.name = "x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s)) == s
    assert copy.deepcopy(s) == s
    assert hash(s) == hash(copy.deepcopy(s))


@pytest.mark.parametrize(("entries", "message"), [
    ([{"unique": {"severity": "fatal"}}], "severity must be 'error' or 'warn'"),
    ([{"unique": {"config": {"error_if": "more than 3"}}}], "error_if must be a comparison"),
    ([{"unique": {"config": {"warn_if": 3}}}], "warn_if must be a comparison"),
    ([{"unique": ["x"]}], "must be a mapping"),
    ([42], "must be a name or a mapping"),
    ([{"unique": {}, "not_null": {}}], "one key"),
    ([{"unique": {"config": {"colour": "red"}}}], "unknown test config 'colour'"),
    ([{"unique": {"config": {"schema": "x"}}}], "not supported"),
    ([{"unique": {"config": {"store_failures_as": "view"}}}], "only 'table'"),
    ([{"unique": {"config": {"fail_calc": ""}}}], "fail_calc must be an SQL aggregate"),
    ([{"unique": {"config": {"limit": -1}}}], "limit must be"),
    ([{"unique": {"severity": "warn", "config": {"severity": "error"}}}], "both"),
    ([{"accepted_values": {}}], "needs 'values'"),
    ([{"accepted_values": {"values": []}}], "non-empty list"),
    ([{"relationships": {"to": "ref('dim')"}}], "needs 'field'"),
    ([{"not_null": {"value": 1}}], "takes no argument 'value'"),
    (["unique", "unique"], "two tests named 'unique_fct_value'"),
    ("unique", "must be a list"),
])
def test_bad_entries_name_the_yaml_file_and_line(entries, message):
    with pytest.raises(ProjectError) as err:
        parse(entries, line=12)
    assert message in err.value.message
    assert err.value.path == "models/schema.yml" and err.value.line == 12
    assert str(err.value).startswith("models/schema.yml:12: ")


def test_column_tests_need_a_column():
    with pytest.raises(ProjectError, match="needs a column"):
        parse(["not_null"], column=None)


def test_a_test_of_a_package_not_installed_names_it_and_the_builtin(make_project, cli):
    root = make_project({
        "models/fct.sql": "select 1 as value",
        "models/schema.yml": "models:\n  - name: fct\n    columns:\n      - name: value\n"
                             "        data_tests:\n"
                             "          - dbt_utils.expression_is_true: {expression: '> 0'}\n"})
    res = cli(root, "build")
    assert res.code == 2, res.text
    assert "models/schema.yml:6: test 'dbt_utils.expression_is_true'" in res.err
    assert "package 'dbt_utils' is not installed" in res.err
    assert "`expression_is_true` is built in: write `expression_is_true`" in res.err


def test_line_of_the_entry_mapping_wins():
    entries = yaml_tests("""
        models:
          - name: fct
            columns:
              - name: value
                data_tests:
                  - not_null
                  - unique:
                      config: {severity: nope}
        """)
    with pytest.raises(ProjectError) as err:
        parse(entries, line=4)
    assert err.value.line == 8


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------


def test_dbt_names_match_dbt():
    # Names as dbt writes them for the jaffle_shop example project: the full name is the
    # node's (dbt's unique_id and selection), the shortened one its relation and file.
    statuses = ["placed", "shipped", "completed", "return_pending", "returned"]
    full = generic_test_name("accepted_values", "orders", "status", {"values": statuses})
    assert full == ("accepted_values_orders_status__placed__shipped__completed__"
                    "return_pending__returned")
    assert short_test_name(full, "accepted_values", "orders") == \
        "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758"
    assert generic_test_name("relationships", "orders", "customer_id",
                             {"to": "ref('customers')", "field": "customer_id"}) == \
        "relationships_orders_customer_id__customer_id__ref_customers_"
    assert generic_test_name("not_null", "fct_trade_figure", "value", {}) == \
        "not_null_fct_trade_figure_value"
    assert short_test_name("not_null_fct_trade_figure_value", "not_null", "fct_trade_figure") == \
        "not_null_fct_trade_figure_value"


def test_long_names_stay_whole_and_their_alias_is_shortened_with_md5():
    name = one({"accepted_values": {"values": ["x" * 20, "y" * 20]}}, column="code").name
    full = "accepted_values_fct_code__" + "x" * 20 + "__" + "y" * 20
    assert name == full
    assert short_test_name(name, "accepted_values", "fct") == (
        "accepted_values_fct_" + hashlib.md5(full.encode()).hexdigest())
    long_model = generic_test_name("not_null", "m" * 60, "c", {})
    alias = short_test_name(long_model, "not_null", "m" * 60)
    assert len(alias) == 30 + 1 + 32 and alias.startswith("not_null_mmm")
    given = "a_name_given_in_yaml_" + "z" * 50
    assert short_test_name(given, "not_null", "m") == given


# ---------------------------------------------------------------------------
# thresholds
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("failures", "config", "status"), [
    (0, TestConfig(), "pass"),
    (1, TestConfig(), "fail"),
    (1, TestConfig(severity="warn"), "warn"),
    (500, TestConfig(severity="warn", error_if=">0"), "warn"),  # warn never fails
    (5, TestConfig(error_if=">10"), "warn"),  # warn_if != 0 still holds
    (5, TestConfig(error_if=">10", warn_if=">10"), "pass"),
    (11, TestConfig(error_if=">10"), "fail"),
    (5, TestConfig(error_if=">=5"), "fail"),
    (2, TestConfig(error_if="<3", warn_if="=0"), "fail"),
    (0, TestConfig(error_if="=0"), "fail"),
    (3, TestConfig(severity="warn", warn_if=">10"), "pass"),
])
def test_evaluate(failures, config, status):
    assert evaluate(failures, config) == status


def test_config_from_mapping_for_singular_tests():
    config = config_from_mapping({"severity": "error", "error_if": ">2"}, path="tests/x.sql")
    assert config == TestConfig(error_if=">2")
    with pytest.raises(ProjectError, match="tests/x.sql"):
        config_from_mapping({"severity": "loud"}, path="tests/x.sql")


# ---------------------------------------------------------------------------
# built-in SQL on tiny tables
# ---------------------------------------------------------------------------


def test_unique(con):
    assert run(con, "unique", "id").status == "pass"
    r = run(con, "unique", "code")
    assert (r.status, r.failures, r.columns, r.rows) == (
        "fail", 1, ("unique_field", "n_records"), (("c", 2),))


def test_not_null(con):
    assert run(con, "not_null", "id").status == "pass"
    r = run(con, "not_null", "value")
    assert (r.status, r.failures) == ("fail", 1)
    assert r.columns == ("id", "code", "value") and r.rows == ((3, "c", None),)


def test_accepted_values_quoted_and_unquoted(con):
    ok = run(con, "accepted_values", "code", {"values": ["a", "b", "c", "zz"]})
    assert ok.status == "pass"
    r = run(con, "accepted_values", "code", {"values": ["a", "b", "c"]})
    assert (r.status, r.failures, r.rows) == ("fail", 1, (("zz", 1),))
    assert r.columns == ("value_field", "n_records")
    r = run(con, "accepted_values", "id", {"values": [1, 2, 3], "quote": False})
    assert r.failures == 2
    # quotes inside values are escaped, NULLs are accepted as dbt does
    sql = generic_test_sql("accepted_values", model=FCT, column_name="code",
                           kwargs={"values": ["it's"]})
    assert "'it''s'" in sql


def test_relationships(con):
    kwargs = {"to": DIM, "field": "code"}
    r = run(con, "relationships", "code", kwargs)
    assert (r.status, r.failures, r.rows) == ("fail", 1, (("zz",),))
    assert run(con, "relationships", "code", kwargs, where="id < 5").status == "pass"


def test_expression_is_true_model_and_column_forms(con):
    model_level = run(con, "expression_is_true", None, {"expression": "value >= 10"})
    assert model_level.status == "pass"  # NULL is not a failure
    assert run(con, "expression_is_true", None, {"expression": "value > 10"}).failures == 1
    # dbt_utils form under a column: the column, then the expression
    assert run(con, "expression_is_true", "value", {"expression": "> 10"}).failures == 1
    assert run(con, "expression_is_true", "code", {"expression": "in ('a', 'b', 'c')"}
               ).failures == 1
    assert run(con, "expression_is_true", "code", {"expression": "not like 'z%'"}).failures == 1
    # a full condition under a column is used as written
    assert run(con, "expression_is_true", "value", {"expression": "value <= 40"}).failures == 1


def test_where_filters_the_model(con):
    assert apply_where(FCT, None) == FCT
    assert run(con, "not_null", "value", where="id <> 3").status == "pass"
    assert run(con, "unique", "code", where="code <> 'c'").status == "pass"


def test_unknown_builtin_is_an_error():
    with pytest.raises(ProjectError, match="not a built-in"):
        generic_test_sql("is_even", model=FCT, column_name="id", kwargs={})


# ---------------------------------------------------------------------------
# running: limit, thresholds, severity, store_failures, errors
# ---------------------------------------------------------------------------

BAD_IDS = "select * from marts.fct where id > 1;  -- four rows\n"


def test_limit_caps_the_count(con):
    r = run_test(con.cursor(), spec(limit=2), BAD_IDS)
    assert (r.status, r.failures) == ("fail", 2)
    assert "limit 2" in r.message


def test_thresholds_and_severity_when_running(con):
    cur = con.cursor()
    assert run_test(cur, spec(error_if=">10"), BAD_IDS).status == "warn"
    assert run_test(cur, spec(error_if=">10", warn_if=">10"), BAD_IDS).status == "pass"
    assert run_test(cur, spec(error_if=">=4"), BAD_IDS).status == "fail"
    assert run_test(cur, spec(severity="warn"), BAD_IDS).status == "warn"
    # the same cursor keeps working (DuckDB 2.0 unfinished-result trap)
    assert cur.execute("select 1") == [(1,)]


def test_sample_size_and_message_counts(con):
    r = run_test(con.cursor(), spec("many"), "select * from range(12) t(n)", sample_size=3)
    assert r.failures == 12 and len(r.rows) == 3
    text = failure_message(r, "fct", None)
    assert "... and 9 more failing rows" in text


def test_store_failures_keeps_every_failing_row(con):
    relation = Relation("test_failures", "big_ids")
    r = run_test(con.cursor(), spec("big_ids", limit=1, store_failures=True), BAD_IDS,
                 store_relation=relation)
    assert r.failures == 1 and r.stored == relation
    stored = con.execute("select id from test_failures.big_ids order by id")
    assert stored == [(2,), (3,), (4,), (5,)]
    # a later passing run replaces the table with an empty one
    r = run_test(con.cursor(), spec("big_ids"), "select * from marts.fct where id > 99",
                 store_relation=relation)
    assert r.status == "pass"
    assert con.execute("select count(*) from test_failures.big_ids") == [(0,)]


def test_sql_error_is_a_status_not_an_exception(con):
    r = run_test(con.cursor(), spec("broken"), "select nope from marts.fct")
    assert r.status == "error" and r.failures is None
    assert "nope" in r.message and "Traceback" not in r.message
    assert "LINE 1: select nope" in r.message  # the line of the test's own SQL
    text = failure_message(r, "fct", "nope")
    assert text.startswith("ERROR broken (model fct, column nope): Binder Error")
    assert con.execute("select 2") == [(2,)]
    r = run_test(con.cursor(), spec("broken"), "\n\nselect 1\nfrom marts.fct where nope;",
                 store_relation=Relation("test_failures", "broken"))
    assert "LINE 4: from marts.fct where nope" in r.message


# ---------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------


def test_failure_message_content(con):
    con.execute("create table marts.fct_trade_figure as select * from (values "
                "('f1', null), ('f2', null), ('f3', null), ('f4', 1.5)) t(figure_id, value)")
    sql = generic_test_sql("not_null", model=Relation("marts", "fct_trade_figure").sql,
                           column_name="value", kwargs={})
    test = one("not_null", model="fct_trade_figure")
    relation = Relation("test_failures", test.name)
    r = run_test(con.cursor(), test, sql, store_relation=relation)
    text = failure_message(r, "fct_trade_figure", "value")
    lines = text.splitlines()
    assert lines[0] == ("FAIL 3 not_null_fct_trade_figure_value "
                        "(model fct_trade_figure, column value): 3 failing rows")
    assert lines[1].split() == ["figure_id", "|", "value"]
    assert set(lines[2].strip()) <= {"-", "+"}
    assert lines[3].split() == ["f1", "|", "null"]
    assert lines[-1] == "failing rows stored in test_failures.not_null_fct_trade_figure_value"
    widths = {len(line) for line in lines[1:6] if "|" in line}
    assert len(widths) <= 2  # aligned (trailing blanks stripped)


def test_singular_and_warn_messages(con):
    r = run_test(con.cursor(), spec("no_big_ids", severity="warn"), BAD_IDS)
    text = failure_message(r, None, None, path="tests/data/no_big_ids.sql")
    assert text.splitlines()[0] == ("WARN 4 no_big_ids (singular test "
                                    "tests/data/no_big_ids.sql): 4 failing rows (severity warn)")


def test_long_cells_are_truncated():
    assert format_cell("x" * 200) == "x" * 57 + "..."
    assert format_cell("a\nb") == "a\\nb" and format_cell(None) == "null"


# ---------------------------------------------------------------------------
# test nodes as the runner holds them
# ---------------------------------------------------------------------------


def test_run_test_node_for_runner_and_plugin(con):
    from warehouse.core.nodes import TestNode

    node = TestNode(name="not_null_dim_code", path="seeds/props.yml",
                    sql="select * from marts.fct where value is null",
                    depends_on=(NodeId(NodeKind.SEED, "fct"),),
                    config=TestConfig(store_failures=True), attached_to="fct",
                    column_name="value", test_name="not_null")
    result = run_test_node(con.cursor(), node, store=False)
    assert result.status == "fail" and result.failures == 1 and result.relation is None
    assert result.message.startswith("FAIL 1 not_null_dim_code (seed fct, column value)")
    result = run_test_node(con.cursor(), node)
    assert result.relation == "test_failures.not_null_dim_code"
    assert "failing rows stored in test_failures.not_null_dim_code" in result.message
    passing = TestNode(name="ok", path="tests/data/ok.sql", sql="select 1 where false",
                       depends_on=(), config=TestConfig())
    assert run_test_node(con.cursor(), passing).message == ""
