"""Whatever a template raises is a ProjectError at the file and line the user wrote."""

from __future__ import annotations

import pytest

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError


def error_of(make_project, files: dict[str, str]) -> ProjectError:
    root = make_project(files)
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    return caught.value


@pytest.mark.parametrize("files, path, line, column, words", [
    ({"models/a.sql": "select 1 as x,\n  {{ x \nfrom t"}, "models/a.sql", 2, 3,
     "the {{ opened here is never closed"),
    ({"models/a.sql": "select 1\n{% if true %}\n, 2 as y\n"}, "models/a.sql", 2, 1,
     "the {% if opened here is never closed"),
    ({"models/a.sql": "{# a comment\nselect 1\n"}, "models/a.sql", 1, 1,
     "the {# opened here is never closed"),
    ({"models/a.sql": "select 1 as x\n-- {{ ref(42) }}"}, "models/a.sql", 2, None,
     "ref() takes a model name in quotes, not 42"),
    ({"models/a.sql": "select 1 as x\n{{ [].pop() }}"}, "models/a.sql", 2, None,
     "IndexError: pop from empty list"),
    ({"macros/m.sql": "{# calls itself #}\n{% macro rec(n) %}{{ rec(n) }}{% endmacro %}",
      "models/a.sql": "select 1 as x {{ rec(1) }}"}, "macros/m.sql", 2, None,
     "a macro calls itself without end"),
    ({"models/a.sql": "select {{ source(1, 2) }}"}, "models/a.sql", 1, None,
     "source() takes a source and a table name in quotes"),
    ({"models/a.sql": "select 1 as x", "models/s.yml": (
        "models:\n  - name: a\n    columns:\n      - name: x\n        data_tests:\n"
        "          - not_null\n          - relationships:\n              to: ref('nosuch')\n"
        "              field: x\n")}, "models/s.yml", 8, None,
     "ref('nosuch'): no model or seed named 'nosuch'"),
])
def test_template_errors_are_located(make_project, files, path, line, column, words):
    err = error_of(make_project, files)
    assert words in err.message
    assert (err.path, err.line) == (path, line)
    if column is not None:
        assert err.column == column
    assert "Traceback" not in str(err)


@pytest.mark.parametrize("rel, text, line, column", [
    ("models/a.sql", b"select 1 as x\n-- caf\xe9\n", 2, 7),
    ("macros/m.sql", b"{% macro m() %}\xff{% endmacro %}", 1, 16),
    ("models/s.yml", b"models:\n  - name: a\n    description: \xe9t\xe9\n", 3, 18),
    ("models/docs.md", b"{% docs d %}\n\x80\n{% enddocs %}", 2, 1),
    ("pyproject.toml", b"[tool.warehouse]\nname = 'caf\xe9'\n", 2, 12),
])
def test_a_byte_that_is_not_utf8_is_located(make_project, rel, text, line, column):
    root = make_project({"models/a.sql": "select 1 as x"})
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(text)
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    err = caught.value
    assert "not UTF-8" in err.message
    assert (err.path, err.line, err.column) == (rel, line, column)
    assert "^" in (err.snippet or "")
