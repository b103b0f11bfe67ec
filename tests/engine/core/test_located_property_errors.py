"""A property-file error points at the key or value that is wrong, not at the entry above it.

A model's entry can run to dozens of lines (columns, tests, configs); an error at its
first line ("every column needs a name" at the model) leaves the user to search. So the
YAML loader keeps where every key, value and list item was written, and each check
reports there: a bare `- uniqe` test at its own line, `severity: fatal` at `fatal`, a
declared seed type DuckDB does not know at its line in the YAML, an unclosed quote where
it opened.
"""

from __future__ import annotations

import duckdb
import pytest

from warehouse.adapters.duckdb.seeds import load_seed
from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.core.yaml_load import item_position, load_yaml, value_position

MODEL = {"models/orders.sql": "select 1 as id, 'open' as status\n"}


def load_error(make_project, files) -> ProjectError:
    root = make_project({**MODEL, **files})
    with pytest.raises(ProjectError) as info:
        load_project(root)
    return info.value


def yaml_error(text: str) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        load_yaml(text, "models/schema.yml")
    return info.value


# ---------------------------------------------------------------------------
# What the loader keeps
# ---------------------------------------------------------------------------

def test_values_and_list_items_keep_where_they_were_written():
    data = load_yaml("models:\n  - name: orders\n    data_tests:\n      - unique\n"
                     "      - not_null\n    config: {materialized: table}\n", "m.yml")
    model = data["models"][0]
    assert item_position(model["data_tests"], 1) == (5, 9)  # a bare string has no other line
    assert value_position(model, "config") == (6, 13)
    assert value_position(data, "models") == (2, 3)  # a block value begins on the next line
    assert model["data_tests"] == ["unique", "not_null"]  # still a plain list to its readers


def test_an_unclosed_quote_is_located_where_it_opened():
    err = yaml_error("models:\n  - name: orders\n    description: 'Open orders.\n"
                     "    columns:\n      - name: id\n")
    assert (err.line, err.column) == (3, 18), str(err)
    assert "    3 |     description: 'Open orders." in err.snippet


def test_a_quote_that_runs_on_to_the_next_quote_is_located_where_it_opened():
    err = yaml_error('models:\n  - name: orders\n    description: "Open orders.\n'
                     "    columns:\n      - name: id\n"
                     '        description: "Its id."\n')
    assert (err.line, err.column) == (3, 18), str(err)
    assert "runs on to line 6" in err.message and "closing" in err.hint


def test_an_unclosed_bracket_names_where_it_opened():
    err = yaml_error("models:\n  - name: orders\n    data_tests: [unique\n  - name: other\n")
    assert (err.line, err.column) == (3, 17), str(err)  # the [ left open, not line 4
    assert "fails at line 4" in err.message and "']'" in err.hint


# ---------------------------------------------------------------------------
# Property files
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, column, words", [
    ("models:\n  - name: orders\n    columns: id\n", 3, 14, "'columns:' of model 'orders' "
                                                          "must be a list of mappings, got 'id'"),
    ("models:\n  - name: orders\n    columns:\n      - name: 42\n", 4, 15,
     "must be text, got 42"),
    ("models:\n  - name: orders\n    columns:\n      - name: id\n      - description: x\n",
     5, 9, "every column needs a name"),
    ("models:\n  - name: orders\n    config: table\n", 3, 13, "'config:' must be a mapping"),
    ("models:\n  name: orders\n", 2, 3, "'models:' must be a list of mappings"),
    ("- name: orders\n", 1, 1, "a property file must be a mapping"),
    ("sources:\n  - name: crm\n    database: other\n    tables:\n      - name: people\n",
     3, 5, "'database:' is not supported"),
])
def test_a_wrong_value_is_reported_at_it(make_project, text, line, column, words):
    err = load_error(make_project, {"models/schema.yml": text})
    assert (err.path, err.line, err.column) == ("models/schema.yml", line, column), str(err)
    assert words in err.message, str(err)
    assert err.snippet and f"{line:>5} | " in err.snippet


def test_a_model_described_twice_names_the_other_entry_with_its_line(make_project):
    err = load_error(make_project, {"models/a.yml": "models:\n  - name: orders\n",
                                    "models/b.yml": "version: 2\nmodels:\n  - name: orders\n"})
    assert (err.path, err.line) == ("models/b.yml", 3), str(err)
    assert "also in models/a.yml:2" in err.message


def test_a_doc_that_does_not_exist_is_reported_at_the_description(make_project):
    err = load_error(make_project, {"models/schema.yml": (
        "models:\n  - name: orders\n    columns:\n      - name: id\n"
        "        description: \"{{ doc('order_id') }}\"\n")})
    assert (err.path, err.line) == ("models/schema.yml", 5), str(err)


# ---------------------------------------------------------------------------
# Data tests
# ---------------------------------------------------------------------------

def with_tests(tests: str) -> dict[str, str]:
    """A property file whose column `id` has `tests` (indented as under data_tests:)."""
    return {"models/schema.yml": "models:\n  - name: orders\n    columns:\n      - name: id\n"
                                 "        data_tests:\n" + tests}


@pytest.mark.parametrize("tests, line, column, words", [
    ("          - not_null\n          - uniqe\n", 7, 13, "unknown generic test 'uniqe'"),
    ("          - unique:\n              config:\n                severity: fatal\n", 8, 27,
     "severity must be 'error' or 'warn'"),
    ("          - accepted_values:\n              arguments:\n                value: [a]\n",
     8, 17, "takes no argument 'value'"),
    ("          - accepted_values:\n              arguments:\n                values: a\n",
     8, 25, "non-empty list of values"),
    ("          - relationships:\n              arguments: orders\n", 7, 26,
     "arguments of test 'relationships' must be a mapping"),
])
def test_a_test_error_is_reported_at_its_key_or_value(make_project, tests, line, column, words):
    err = load_error(make_project, with_tests(tests))
    assert (err.path, err.line) == ("models/schema.yml", line), str(err)
    assert err.column in (column, None), str(err)
    assert words in err.message, str(err)


def test_a_ref_to_nothing_in_a_test_argument_names_the_argument_line(make_project):
    err = load_error(make_project, with_tests(
        "          - relationships:\n              arguments:\n"
        "                to: ref('nosuch')\n                field: id\n"))
    assert (err.path, err.line) == ("models/schema.yml", 8), str(err)  # the argument
    assert "to: ref('nosuch')" in err.snippet


# ---------------------------------------------------------------------------
# Seeds' declared column types
# ---------------------------------------------------------------------------

SEEDS = {"seeds/trades.csv": "id,amount\n1,2.5\n",
         "seeds/_seeds.yml": ("seeds:\n  - name: trades\n    config:\n      column_types:\n"
                              "        id: integer\n        amount: decimal(18,2)\n")}


def test_the_seed_node_knows_the_line_of_each_declared_type(make_project):
    project = load_project(make_project(SEEDS))
    seed = project.nodes[NodeId(NodeKind.SEED, "trades")]
    assert seed.types_declared_in == {"id": ("seeds/_seeds.yml", 5),
                                      "amount": ("seeds/_seeds.yml", 6)}


def test_folder_config_types_name_the_config_file(make_project):
    project = load_project(make_project({
        "seeds/trades.csv": "id\n1\n",
        "pyproject.toml": '[tool.warehouse.seeds]\n"+column_types" = {id = "integer"}\n'}))
    seed = project.nodes[NodeId(NodeKind.SEED, "trades")]
    assert seed.types_declared_in == {"id": ("pyproject.toml", None)}


def seed_error(tmp_path, header: str, types: dict[str, str]) -> ProjectError:
    path = tmp_path / "trades.csv"
    path.write_text(header + "\n" + ",".join("1" for _ in header.split(",")) + "\n")
    origins = {name: ("seeds/_seeds.yml", 5 + i) for i, name in enumerate(types)}
    with pytest.raises(ProjectError) as info:
        load_seed(duckdb.connect(), path, Relation("seeds", "trades"), types,
                  display_path="seeds/trades.csv", types_declared_in=origins)
    return info.value


def test_an_unknown_declared_type_is_reported_at_its_line(tmp_path):
    err = seed_error(tmp_path, "id,amount", {"id": "integer", "amount": "decimel"})
    assert (err.path, err.line) == ("seeds/_seeds.yml", 6), str(err)
    assert "'decimel'" in err.message


def test_a_declared_column_the_header_lacks_names_both_places(tmp_path):
    err = seed_error(tmp_path, "id,amount", {"id": "integer", "amout": "double"})
    assert (err.path, err.line) == ("seeds/_seeds.yml", 6), str(err)
    assert "header of seeds/trades.csv:1" in err.message and "amount" in err.message


def test_a_header_with_none_of_the_declared_columns_is_reported_at_the_header(tmp_path):
    err = seed_error(tmp_path, "id;amount", {"id": "integer", "amount": "double"})
    assert (err.path, err.line) == ("seeds/trades.csv", 1), str(err)
    assert "seeds/_seeds.yml:5" in err.message and "id;amount" in err.snippet
