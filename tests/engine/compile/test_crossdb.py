"""dbt's cross-database macros (`dbt.dateadd` ...): each one's SQL run in DuckDB gives the value
dbt-duckdb's definition gives. The expected values are worked out by hand from dbt-duckdb's
macros (a quarter is three months, weeks count Sunday boundaries, split_part counts from the
end when negative ...), not read back from our own output."""

from __future__ import annotations

import datetime
from pathlib import Path

import duckdb
import pytest

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError

D = datetime.date
TS = datetime.datetime

# (Jinja expression producing SQL, the value DuckDB gives for `select <sql>`)
SCALARS = [
    ("dbt.dateadd('month', 1, \"date '2020-01-31'\")", TS(2020, 2, 29)),
    ("dbt.dateadd('quarter', 1, \"date '2020-01-31'\")", TS(2020, 4, 30)),
    ("dbt.dateadd('week', 2, \"date '2020-01-01'\")", TS(2020, 1, 15)),
    ("dbt.dateadd('day', -1, \"timestamp '2020-03-01 10:00:00'\")", TS(2020, 2, 29, 10)),
    ("dbt.dateadd('year', 'n', \"date '2020-02-29'\")", TS(2021, 2, 28)),  # a column
    ("dbt.datediff(\"date '2020-01-31'\", \"date '2020-03-01'\", 'month')", 2),
    ("dbt.datediff(\"date '2020-03-01'\", \"date '2020-02-01'\", 'day')", -29),
    ("dbt.datediff(\"date '2020-01-01'\", \"date '2020-01-15'\", 'week')", 2),
    ("dbt.datediff(\"date '2020-01-04'\", \"date '2020-01-06'\", 'week')", 1),  # Sat -> Mon
    ("dbt.datediff(\"date '2020-01-06'\", \"date '2020-01-04'\", 'week')", -1),
    ("dbt.date_trunc('month', \"date '2020-02-17'\")", TS(2020, 2, 1)),
    ("dbt.last_day(\"date '2020-02-10'\", 'month')", D(2020, 2, 29)),
    ("dbt.last_day(\"date '2020-05-10'\", 'quarter')", D(2020, 6, 30)),
    ("dbt.last_day(\"date '2020-05-10'\", 'year')", D(2020, 12, 31)),
    ("dbt.date(2020, 2, 29)", D(2020, 2, 29)),
    ("'typeof(' ~ dbt.current_timestamp() ~ ')'", "TIMESTAMP WITH TIME ZONE"),
    ("'typeof(' ~ dbt.current_timestamp_backcompat() ~ ')'", "TIMESTAMP"),
    ("'typeof(' ~ dbt.current_timestamp_in_utc_backcompat() ~ ')'", "TIMESTAMP"),
    ("'typeof(cast(1 as ' ~ dbt.type_string() ~ '))'", "VARCHAR"),
    ("'typeof(cast(1 as ' ~ dbt.type_int() ~ '))'", "INTEGER"),
    ("'typeof(cast(1 as ' ~ dbt.type_bigint() ~ '))'", "BIGINT"),
    ("'typeof(cast(1 as ' ~ dbt.type_float() ~ '))'", "FLOAT"),
    ("'typeof(cast(1 as ' ~ dbt.type_numeric() ~ '))'", "DECIMAL(28,6)"),
    ("'typeof(cast(1 as ' ~ dbt.type_timestamp() ~ '))'", "TIMESTAMP"),
    ("'typeof(cast(1 as ' ~ dbt.type_boolean() ~ '))'", "BOOLEAN"),
    ("dbt.concat([\"'a'\", \"'b'\", \"'c'\"])", "abc"),
    ("dbt.concat([\"'a'\", 'null'])", None),
    ("dbt.safe_cast(\"'12'\", dbt.type_int())", 12),
    ("dbt.cast(\"'2020-01-02'\", 'date')", D(2020, 1, 2)),
    ("dbt.hash(\"'abc'\")", "900150983cd24fb0d6963f7d28e17f72"),
    ("dbt.hash('12')", "c20ad4d76fe97759aa27a0c99bff6710"),  # md5 of the text '12'
    ("dbt.cast_bool_to_text('true')", "true"),
    ("dbt.split_part(\"'a,b,c'\", \"','\", 2)", "b"),
    ("dbt.split_part(\"'a,b,c'\", \"','\", -1)", "c"),
    ("dbt.replace(\"'hello'\", \"'l'\", \"'L'\")", "heLLo"),
    ("dbt.length(\"'hello'\")", 5),
    ("dbt.position(\"'l'\", \"'hello'\")", 3),
    ("dbt.right(\"'hello'\", 3)", "llo"),
    ("\"'\" ~ dbt.escape_single_quotes(\"they're\") ~ \"'\"", "they're"),
    ("dbt.string_literal('abc')", "abc"),
    ("dbt.equals('1', '1')", True),
    ("dbt.equals('null', 'null')", None),
    ("dbt.array_construct(['1', '2'])", [1, 2]),
    ("'typeof(' ~ dbt.array_construct() ~ ')'", "INTEGER[]"),
    ("dbt.array_append('array[1, 2]', 3)", [1, 2, 3]),
    ("dbt.array_concat('array[1]', 'array[2, 3]')", [1, 2, 3]),
    ("dateadd('day', 1, \"date '2020-12-31'\")", TS(2021, 1, 1)),  # without the prefix
    ("dbt.get_powers_of_two(5)", 3),
    ("dbt.get_powers_of_two(4)", 2),
    ("dbt.get_powers_of_two(1)", 1),
]

# (expression, rows it aggregates as x, expected)
AGGREGATES = [
    ("dbt.any_value('x')", ["'a'", "'a'"], "a"),
    ("dbt.bool_or('x')", ["false", "true"], True),
    ("dbt.listagg('x', \"', '\", 'order by x desc')", ["'a'", "'b'", "'c'"], "c, b, a"),
    ("dbt.listagg('x', \"'-'\", 'order by x', 2)", ["'c'", "'a'", "'b'"], "a-b"),
    ("dbt.listagg('x')", ["'a'"], "a"),
]


def _render(tmp_path: Path, expressions: list[str], extra: dict[str, str] | None = None,
            *, whole: bool = False) -> list[str]:
    """Each expression rendered by the engine as the body of one model (`whole`: each is
    the model's whole template)."""
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.warehouse]\n")
    for rel, text in (extra or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for i, expression in enumerate(expressions):
        (root / "models" / f"m{i}.sql").write_text(
            expression if whole else
            "select {{ " + expression + " }} as v from (select 1 as n) as t")
    project = load_project(root)
    out = []
    for i in range(len(expressions)):
        node = next(n for n in project.nodes.values() if n.name == f"m{i}")
        out.append(node.compiled_sql)
    return out


def test_each_scalar_macro_gives_dbt_duckdbs_value(tmp_path: Path) -> None:
    sqls = _render(tmp_path, [e for e, _ in SCALARS])
    con = duckdb.connect()
    for (expression, expected), sql in zip(SCALARS, sqls, strict=True):
        got = con.execute(sql).fetchall()[0][0]
        if isinstance(expected, str) and expression.startswith("'typeof("):
            assert got == expected, expression
        else:
            assert got == expected, f"{expression}: {sql}"


def test_each_aggregate_macro_gives_dbt_duckdbs_value(tmp_path: Path) -> None:
    sqls = _render(tmp_path, [e for e, _, _ in AGGREGATES])
    con = duckdb.connect()
    for (expression, values, expected), sql in zip(AGGREGATES, sqls, strict=True):
        rows = " union all ".join(f"select {v} as x" for v in values)
        query = sql.replace("from (select 1 as n) as t", f"from ({rows}) as t")
        assert con.execute(query).fetchall()[0][0] == expected, expression


def test_set_operators_and_series(tmp_path: Path) -> None:
    con = duckdb.connect()
    (except_sql, intersect_sql, series) = _render(tmp_path, [
        "select 1 as v union all select 2 {{ dbt.except() }} select 2",
        "select * from (select 1 as v union all select 2) {{ dbt.intersect() }} select 2",
        "select * from ({{ dbt.generate_series(3) }})",
    ], whole=True)
    assert con.execute(except_sql).fetchall() == [(1,)]
    assert con.execute(intersect_sql).fetchall() == [(2,)]
    assert sorted(con.execute(series).fetchall()) == [(1,), (2,), (3,)]


def test_a_safe_cast_of_a_bad_value_fails_as_in_dbt_duckdb(tmp_path: Path) -> None:
    """dbt-duckdb keeps dbt's default safe_cast, a plain cast: a bad value is an error."""
    (sql,) = _render(tmp_path, ["dbt.safe_cast(\"'x'\", 'integer')"])
    with pytest.raises(duckdb.ConversionException):
        duckdb.connect().execute(sql).fetchall()


def test_the_projects_own_dispatched_version_wins(tmp_path: Path) -> None:
    """dbt searches the root project before its own macros: the project's duckdb__dateadd
    (or default__) replaces dbt's, for dbt.dateadd, the bare name and the macros built on it
    (last_day)."""
    macros = {"macros/mine.sql": "{% macro duckdb__dateadd(datepart, interval, d) %}"
              "(date '1999-01-01'){% endmacro %}\n"
              "{% macro default__hash(field) %}'hashed'{% endmacro %}"}
    sqls = _render(tmp_path, ["dbt.dateadd('day', 1, 'x')", "dateadd('day', 1, 'x')",
                              "dbt.last_day(\"date '2020-02-10'\", 'month')",
                              "dbt.hash('1')"], macros)
    con = duckdb.connect()
    values = [con.execute(s).fetchall()[0][0] for s in sqls]
    assert values == [D(1999, 1, 1), D(1999, 1, 1), D(1999, 1, 1), "hashed"]


def test_an_unknown_dbt_macro_is_located(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as err:
        _render(tmp_path, ["dbt.no_such_macro('x')"])
    assert err.value.path == "models/m0.sql" and err.value.line == 1
    assert "dbt.no_such_macro" in err.value.message
