"""The fast path for simple templates renders exactly what Jinja renders, or steps aside."""

from __future__ import annotations

import pytest

from warehouse.compile.load import load_project
from warehouse.compile.render import Renderer
from warehouse.compile.render_globals import RenderState
from warehouse.compile.simple_template import SimpleTemplate
from warehouse.core.errors import ProjectError

MACROS = ("{% macro bump(col, n) %}({{ col }} + {{ n }}){% endmacro %}\n"
          "{% macro mean(cols) %}({{ cols | join(' + ') }}) / {{ cols | length }}{% endmacro %}\n"
          "{% macro nothing() %}{{ return(none) }}{% endmacro %}\n")

SIMPLE = [
    "select 1 as x\n",
    "select * from {{ ref('a') }}",
    "{{ config(materialized='view') }}\nselect {{ bump('a', 3) }} as a\nfrom {{ ref('a') }}\n",
    "select {{ mean(['p0.b', 'p1.b']) }} as b, {{ var('n') }} as n, {{ var('x', 1.5) }} as x",
    "select {{var('s')}} as s -- no spaces\n\n\n",
    "select '{{ nothing() }}' as n, {{ var('d', {'k': [1, 2]}) }} as d",
    "select {{ var('f', 1_000.25e-1) }} as f, {{ var('t', True) }} as t, {{ var('z', -3) }}",
    "select '{{ var('naïve', 'café') }}' as c, {{ var('n', 2) }} as n",  # offsets in bytes
]
NOT_SIMPLE = [
    "{% if true %}select 1{% endif %}",
    "select {{ var('n') | int }}",  # a filter
    "select {{- var('n') }}",  # whitespace control
    "{# note #}select 1",
    "select {{ this }}",  # a variable
    "select {{ target.name }}",  # an attribute
    "select {{ var(true) }}",  # Jinja's literal, Python's name
    "select {{ var({1, 2}) }}",  # a set: no Jinja literal
    "select {{ var('a\\n') }}",  # escapes: left to Jinja's reading
    "select {{ var(r'a') }}",  # a raw string: Python's, not Jinja's
    "select {{ var('x', .5) }}",  # Jinja reads no number that starts with a dot
    "select 1 }}",
]


def renderer(model: str) -> Renderer:
    sources = {"models/m.sql": model, "macros/m.sql": MACROS}
    return Renderer(sources, ["macros/m.sql"], {}, {"name": "dev", "schema": "main"})


def jinja_render(model: str) -> tuple[str, RenderState]:
    r = renderer(model)
    r._simple["models/m.sql"] = None  # force Jinja
    state = RenderState("models/m.sql", vars={"n": 7, "s": "'x'"})
    return r.render("models/m.sql", state), state


@pytest.mark.parametrize("model", SIMPLE)
def test_simple_templates_render_as_jinja_does(model):
    assert SimpleTemplate.compile(model) is not None
    r = renderer(model)
    state = RenderState("models/m.sql", vars={"n": 7, "s": "'x'"})
    out = r.render("models/m.sql", state)
    expected, expected_state = jinja_render(model)
    assert out == expected
    assert (state.refs, state.sources, state.config) == (
        expected_state.refs, expected_state.sources, expected_state.config)


@pytest.mark.parametrize("model", NOT_SIMPLE)
def test_anything_else_is_left_to_jinja(model):
    assert SimpleTemplate.compile(model) is None


def test_ref_lines_are_the_templates_lines():
    model = ("{{ config(materialized='table') }}\nselect *\nfrom {{ ref('a') }}\n"
             "join {{\n  ref('b') }}")
    r = renderer(model)
    state = RenderState("models/m.sql")
    r.render("models/m.sql", state)
    assert state.refs == [("a", 3), ("b", 5)]
    assert state.config == {"materialized": "table"}


def test_a_failing_call_is_rendered_again_by_jinja_with_the_same_error():
    model = "{{ config(materialized='view') }}\nselect {{ ref('a') }}, {{ var('missing') }}\n"
    r = renderer(model)
    state = RenderState("models/m.sql")
    with pytest.raises(ProjectError) as info:
        r.render("models/m.sql", state)
    assert (info.value.path, info.value.line) == ("models/m.sql", 2)
    assert "missing" in info.value.message
    assert state.refs == [("a", 2)]  # recorded once: the fast path's partial work undone


def test_calling_an_undefined_name_is_jinjas_error(make_project):
    root = make_project({"models/a.sql": "select 1 as x,\n  {{ no_such_macro(1) }} as y\n"})
    with pytest.raises(ProjectError) as info:
        load_project(root)
    assert (info.value.path, info.value.line) == ("models/a.sql", 2)
    assert "no_such_macro" in str(info.value)


def test_unknown_ref_in_a_simple_model_names_its_line(make_project):
    root = make_project({"models/a.sql": "select 1 as x\n",
                         "models/b.sql": "select *\nfrom {{ ref('a') }}\njoin {{ ref('aa') }} "
                                         "using (x)\n"})
    with pytest.raises(ProjectError) as info:
        load_project(root)
    assert (info.value.path, info.value.line) == ("models/b.sql", 3)


@pytest.mark.parametrize("expr", [
    " ref('a') ", "ref(\"a\")", " source('s' , \"t\") ", "ref( 'a' ,'b' )", " var('x y') ",
    " ref('a',) ", " ref('a' 'b') ", " ref('it''s') ", " ref('a\\nb') ", " f('{') ",
])
def test_calls_of_string_constants_read_as_python_reads_them(expr):
    """The regular expression for `name('text', ...)` gives what `ast` gives, or stands
    aside (None from it: `ast` decides)."""
    import ast

    from warehouse.compile import simple_template

    parsed = simple_template._parse_call(expr)
    try:
        node = ast.parse(expr.strip(), mode="eval").body
        expected = (node.func.id, tuple(ast.literal_eval(a) for a in node.args), ())
    except SyntaxError:
        expected = None
    assert parsed == expected


def test_a_call_written_in_many_templates_gives_each_render_its_own_arguments():
    """The same call text is read once (`_parse_other` keeps it), yet a macro that changes
    the list it was given changes nothing for the next render, as with Jinja's literals."""
    grow = "{% macro grow(cols) %}{% do cols.append('z') %}{{ cols | length }}{% endmacro %}"
    sources = {"models/a.sql": "{{ grow(['x', 1]) }}", "models/b.sql": "{{ grow(['x', 1]) }}",
               "macros/m.sql": grow}
    r = Renderer(sources, ["macros/m.sql"], {}, {"name": "dev", "schema": "main"})
    outs = [r.render(path, RenderState(path)) for path in ("models/a.sql", "models/b.sql") * 2]
    assert outs == ["3", "3", "3", "3"]
    first, second = (r._simple_template(p) for p in ("models/a.sql", "models/b.sql"))
    assert first is not None and first.calls[0].args == (["x", 1],) == second.calls[0].args
