"""The TOML locator: tomllib gives no positions, so pyproject.toml errors find their line here."""

from __future__ import annotations

import tomllib

import pytest

from warehouse.core.toml_positions import TomlPosition, decode_error, find_key, key_at, toml_locator

PYPROJECT = """\
[project]
name = "trade"  # threads = 9 in a comment is not a key

[tool.warehouse]
name = "trade"
threads = 2
description = '''
threads = 7
'''

[tool.warehouse.vars]
min_amount = 0

[tool.warehouse.models.marts]
"+materialized" = "table"
sub.'+schema' = "deep"

[[tool.warehouse.extra]]
key = 1
"""


@pytest.mark.parametrize(("path", "line", "column", "width"), [
    (("tool", "warehouse", "threads"), 6, 1, 7),
    (("tool", "warehouse", "vars", "min_amount"), 12, 1, 10),
    (("tool", "warehouse", "models", "marts", "+materialized"), 15, 1, 15),
    (("tool", "warehouse", "models", "marts", "sub", "+schema"), 16, 1, 13),
    (("tool", "warehouse", "extra", "key"), 19, 1, 3),
])
def test_a_key_is_found_in_its_own_table(path, line, column, width):
    found = find_key(PYPROJECT, path)
    assert (found.line, found.column, found.width) == (line, column, width)


def test_the_value_is_located_beside_the_key():
    assert find_key(PYPROJECT, ("tool", "warehouse", "threads")) == TomlPosition(6, 1, 7, 11, 1)
    found = find_key(PYPROJECT, ("tool", "warehouse", "models", "marts", "+materialized"))
    assert (found.value_column, found.value_width) == (19, 7)  # "table", quotes included


def test_a_table_written_as_a_header_is_found_at_its_name():
    found = find_key(PYPROJECT, ("tool", "warehouse", "vars"))
    assert (found.line, found.column, found.width, found.value_column) == (11, 17, 4, None)
    assert find_key(PYPROJECT, ("tool", "warehouse", "models")).line == 14


def test_the_same_key_in_another_table_is_not_taken():
    assert find_key(PYPROJECT, ("project", "name")).line == 2
    assert find_key(PYPROJECT, ("tool", "warehouse", "name")).line == 5


def test_lines_inside_a_multiline_string_and_comments_are_not_keys():
    assert find_key(PYPROJECT, ("tool", "warehouse", "description")).line == 7
    assert key_at(PYPROJECT, 8) is None


def test_a_key_not_written_falls_back_to_its_enclosing_table():
    assert find_key(PYPROJECT, ("tool", "warehouse", "models", "marts", "+tags")).line == 14
    assert find_key(PYPROJECT, ("tool", "warehouse", "seeds")).line == 4
    assert find_key(PYPROJECT, ("nowhere",)) is None


def test_dotted_keys_and_inline_tables():
    text = '[tool.warehouse]\nmodels.marts."+materialized" = "tabel"\nseeds = { x = 1 }\n'
    found = find_key(text, ("tool", "warehouse", "models", "marts", "+materialized"))
    assert (found.line, found.column, found.value_column) == (2, 1, 32)
    assert find_key(text, ("tool", "warehouse", "models", "marts")).column == 8
    assert find_key(text, ("tool", "warehouse", "seeds", "x")).line == 3  # the inline table's key


def test_a_line_of_a_multiline_array_is_not_a_header():
    text = "[tool.warehouse]\nmodel_paths = [\n  [1],\n  ['x'],\n]\nthreads = 1\n"
    assert find_key(text, ("tool", "warehouse", "threads")).line == 6


def test_locator_gives_the_error_keywords_with_a_caret():
    locate = toml_locator(PYPROJECT, ("tool", "warehouse"), "pyproject.toml")
    where = locate(("threads",), True)
    assert (where["path"], where["line"], where["column"]) == ("pyproject.toml", 6, 11)
    assert where["snippet"].splitlines()[-1].strip() == "^"
    assert locate(("threads",))["column"] == 1
    assert toml_locator("", ("tool", "warehouse"), "p.toml")(("x",)) == {"path": "p.toml"}


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ("[tool.warehouse]\nthreads = \n", 2, 11, "value"),
    ('[tool.warehouse]\nname = "trade\n', 2, 14, "not closed"),
    ("[tool.warehouse]\nthreads = 2\nthreads = 4\n", 3, 12, "line 2"),
    ("[tool.warehouse]\nx = [1,\n", 2, 8, "value"),
])
def test_decode_errors_carry_line_and_column(text, line, column, words):
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        tomllib.loads(text)
    err = decode_error(info.value, text, "pyproject.toml")
    assert (err.line, err.column) == (line, column)
    assert "(at " not in err.message and err.message.startswith("invalid TOML: ")
    assert words in err.hint and err.snippet
