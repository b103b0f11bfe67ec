"""dbt's cross-database macros (`dbt.dateadd`, `dbt.type_string`, `dbt.concat` ...) for DuckDB.

dbt ships these as Jinja macros in its global project and dispatches each
one to the adapter's version (`duckdb__dateadd`) or the default one. Here
each is a Python function that returns the SQL text dbt-duckdb would
produce, as far as meaning goes (the whitespace differs): the same DuckDB
functions, the same casts, the same rewrites (a quarter is three months).

`DbtNamespace` is what templates see as `dbt`; the renderer hands it how to find
the project's macros, how to fail at the template's line and how to ask the
database (this layer knows neither Jinja nor the database). As in dbt, a macro the
project defines as `duckdb__<name>` or `default__<name>` wins over the
built-in one (the project is searched before dbt's own macros), and the
built-ins call each other through the namespace, so overriding `dateadd`
changes `last_day` too. The same functions are also globals without the
prefix (`{{ dateadd(...) }}`), as dbt's global macros are.

Macros that read the database (`get_intervals_between`, used by
`date_spine`) ask through `fetch_one`: at load there is no database and they
give dbt's parse-time answer, at run time the query's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

# dbt-adapters' Column.TYPE_LABELS (dbt-duckdb adds none): api.Column.translate_type.
TYPE_LABELS = {"STRING": "TEXT"}


def translate_type(dtype: str) -> str:
    return TYPE_LABELS.get(str(dtype).upper(), str(dtype))


def numeric_type(dtype: str, precision: Any, scale: Any) -> str:
    if precision is None or scale is None:
        return str(dtype)
    return f"{dtype}({precision},{scale})"


# ----------------------------------------------------------------- types

def type_string(ns: Any) -> str:
    return translate_type("string")


def type_timestamp(ns: Any) -> str:
    return translate_type("timestamp")


def type_float(ns: Any) -> str:
    return translate_type("float")


def type_numeric(ns: Any) -> str:
    return numeric_type("numeric", 28, 6)


def type_bigint(ns: Any) -> str:
    return translate_type("bigint")


def type_int(ns: Any) -> str:
    return translate_type("integer")


def type_boolean(ns: Any) -> str:
    return translate_type("boolean")


# ----------------------------------------------------------------- dates

def _unit(datepart: Any) -> str:
    return str(datepart).strip().strip("'\"").lower()


def date_trunc(ns: Any, datepart: Any, date: Any) -> str:
    return f"date_trunc('{datepart}', {date})"


def dateadd(ns: Any, datepart: Any, interval: Any, from_date_or_timestamp: Any) -> str:
    """An interval of one unit times the count: works for a column as well as a literal.
    DuckDB has no quarter interval (three months) and a week is seven days."""
    unit = _unit(datepart)
    count = f"cast({interval} as bigint)"
    if unit == "quarter":
        return f"({from_date_or_timestamp} + ({count} * 3) * interval 1 month)"
    if unit == "week":
        return f"({from_date_or_timestamp} + ({count} * 7) * interval 1 day)"
    return f"({from_date_or_timestamp} + {count} * interval 1 {unit})"


def datediff(ns: Any, first_date: Any, second_date: Any, datepart: Any) -> str:
    """Boundaries crossed between the two, as DuckDB's date_diff counts them; weeks are
    counted as boundaries too (whole days // 7, plus one when the weekday wraps)."""
    if datepart != "week":  # the cast binds to the last term, as in dbt-duckdb
        return f"(date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp))"
    days = ns.datediff(first_date, second_date, "day")
    forward = f"{first_date} <= {second_date}"
    return (f"({days} // 7 + case when date_part('dow', ({first_date})::timestamp) <= "
            f"date_part('dow', ({second_date})::timestamp) then case when {forward} then 0 "
            f"else -1 end else case when {forward} then 1 else 0 end end)")


def default_last_day(ns: Any, date: Any, datepart: Any) -> str:
    start = ns.date_trunc(datepart, date)
    return f"cast({ns.dateadd('day', '-1', ns.dateadd(datepart, '1', start))} as date)"


def last_day(ns: Any, date: Any, datepart: Any) -> str:
    if datepart == "quarter":
        start = ns.date_trunc(datepart, date)
        return f"cast({ns.dateadd('day', '-1', ns.dateadd('month', '3', start))} as date)"
    return ns.default_last_day(date, datepart)


def date(ns: Any, year: Any, month: Any, day: Any) -> str:
    return f"make_date({year}, {month}, {day})"


def current_timestamp(ns: Any) -> str:
    return "now()"


def current_timestamp_backcompat(ns: Any) -> str:
    return "current_timestamp::timestamp"


def current_timestamp_in_utc_backcompat(ns: Any) -> str:
    return ns.current_timestamp_backcompat()


def snapshot_get_time(ns: Any) -> str:
    return f"{ns.current_timestamp()}::timestamp"


# ----------------------------------------------------------------- strings

def concat(ns: Any, fields: Iterable[Any]) -> str:
    return " || ".join(str(f) for f in fields)


def hash(ns: Any, field: Any) -> str:  # noqa: A001 - dbt's name
    return f"md5(cast({field} as {translate_type('string')}))"


def length(ns: Any, expression: Any) -> str:
    return f"length({expression})"


def position(ns: Any, substring_text: Any, string_text: Any) -> str:
    return f"position({substring_text} in {string_text})"


def replace(ns: Any, field: Any, old_chars: Any, new_chars: Any) -> str:
    return f"replace({field}, {old_chars}, {new_chars})"


def right(ns: Any, string_text: Any, length_expression: Any) -> str:
    return f"right({string_text}, {length_expression})"


def split_part(ns: Any, string_text: Any, delimiter_text: Any, part_number: Any) -> str:
    """DuckDB's lists count from 1, and from the end when negative, as dbt's part does."""
    return f"string_split({string_text}, {delimiter_text})[{part_number}]"


def escape_single_quotes(ns: Any, expression: Any) -> str:
    return str(expression).replace("'", "''")


def string_literal(ns: Any, value: Any) -> str:
    return f"'{value}'"


def listagg(ns: Any, measure: Any, delimiter_text: Any = "','", order_by_clause: Any = None,
            limit_num: Any = None) -> str:
    order = f" {order_by_clause}" if order_by_clause else ""
    if limit_num:
        return (f"list_aggr((array_agg({measure}{order}))[1:{limit_num}], 'string_agg', "
                f"{delimiter_text})")
    return f"string_agg({measure}, {delimiter_text}{order})"


# ----------------------------------------------------------------- other expressions

def any_value(ns: Any, expression: Any) -> str:
    return f"arbitrary({expression})"


def bool_or(ns: Any, expression: Any) -> str:
    return f"bool_or({expression})"


def cast(ns: Any, field: Any, type: Any) -> str:  # noqa: A002 - dbt's argument name
    return f"cast({field} as {type})"


def safe_cast(ns: Any, field: Any, type: Any) -> str:  # noqa: A002
    """dbt-duckdb keeps dbt's default: a plain cast (a bad value is an error, not null)."""
    return f"cast({field} as {type})"


def cast_bool_to_text(ns: Any, field: Any) -> str:
    return f"cast({field} as {translate_type('string')})"


def equals(ns: Any, expr1: Any, expr2: Any) -> str:
    return f"({expr1} = {expr2})"


def except_(ns: Any) -> str:
    return "except"


def intersect(ns: Any) -> str:
    return "intersect"


def array_construct(ns: Any, inputs: Any = (), data_type: Any = "integer") -> str:
    items = list(inputs or ())
    if items:
        return "array[ " + " , ".join(str(i) for i in items) + " ]"
    return f"array[]::{data_type}[]"


def array_append(ns: Any, array: Any, new_element: Any) -> str:
    return f"array_append({array}, {new_element})"


def array_concat(ns: Any, array_1: Any, array_2: Any) -> str:
    return f"array_cat({array_1}, {array_2})"


# ----------------------------------------------------------------- series and spines

def get_powers_of_two(ns: Any, upper_bound: Any) -> int:
    if upper_bound <= 0:
        ns._fail("upper bound must be positive")
    power = 1
    while upper_bound > 2 ** power and power < 99:
        power += 1
    return power


def generate_series(ns: Any, upper_bound: Any) -> str:
    return (f"select generate_series as generated_number from "
            f"generate_series(1, {upper_bound})")


def get_intervals_between(ns: Any, start_date: Any, end_date: Any, datepart: Any) -> Any:
    """The count of `datepart`s between the two, asked of the database: at load (dbt's
    parse) there is none, and dbt's answer then is 1."""
    value = ns._fetch_one(f"select {ns.datediff(start_date, end_date, datepart)}")
    return 1 if value is None else value


def date_spine(ns: Any, datepart: Any, start_date: Any, end_date: Any) -> str:
    series = ns.generate_series(ns.get_intervals_between(start_date, end_date, datepart))
    step = ns.dateadd(datepart, "row_number() over (order by 1) - 1", start_date)
    column = f"date_{datepart}"
    return (f"with rawdata as (\n{series}\n),\nall_periods as (\nselect ({step}) as {column} "
            f"from rawdata\n),\nfiltered as (\nselect * from all_periods where {column} <= "
            f"{end_date}\n)\nselect * from filtered")


# ----------------------------------------------------------------- relations

def create_view_as(ns: Any, relation: Any, sql: Any) -> str:
    """The statement that makes `relation` a view of `sql` (run it with run_query)."""
    return f"create view {relation} as (\n{str(sql).strip()}\n);"


def create_table_as(ns: Any, temporary: Any, relation: Any, compiled_code: Any,
                    language: Any = "sql") -> str:
    """The statement that makes `relation` a table of `compiled_code`; a temporary one is
    named by its identifier alone, as DuckDB's temp tables live in their own schema."""
    if language != "sql":
        ns._fail(f"create_table_as(language={language!r}): only sql models are supported")
    name = relation
    if temporary:
        name = f'"{getattr(relation, "identifier", None) or relation}"'
    kind = "temp table" if temporary else "table"
    return f"create {kind} {name} as (\n{str(compiled_code).strip()}\n);"


BUILTINS: dict[str, Callable[..., Any]] = {
    name: globals()[name] for name in (
        "type_string", "type_timestamp", "type_float", "type_numeric", "type_bigint",
        "type_int", "type_boolean", "date_trunc", "dateadd", "datediff", "default_last_day",
        "last_day", "date", "current_timestamp", "current_timestamp_backcompat",
        "current_timestamp_in_utc_backcompat", "snapshot_get_time", "concat", "hash",
        "length", "position", "replace", "right", "split_part", "escape_single_quotes",
        "string_literal", "listagg", "any_value", "bool_or", "cast", "safe_cast",
        "cast_bool_to_text", "equals", "intersect", "array_construct", "array_append",
        "array_concat", "get_powers_of_two", "generate_series", "get_intervals_between",
        "date_spine", "create_view_as", "create_table_as")
}
BUILTINS["except"] = except_


class DbtNamespace:
    """`dbt` in templates: dbt's macros, each dispatched as dbt dispatches it.

    `lookup(name)` finds a macro the project (or a package searched before dbt) defines,
    or None; `extra(name)` finds other dbt built-ins reachable as `dbt.<name>`
    (`dbt.is_incremental`, `dbt.run_query` ...), or None; `fail(message, hint=None)`
    raises the error at the template's line; `fetch_one(sql)` is the first value of a
    query's first row, or None when there is no database (at load)."""

    def __init__(self, lookup: Callable[[str], Any], extra: Callable[[str], Any],
                 fail: Callable[..., Any], fetch_one: Callable[[str], Any]) -> None:
        self._lookup = lookup
        self._extra = extra
        self._fail = fail
        self._fetch_one = fetch_one

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name.startswith("jinja"):
            raise AttributeError(name)
        found = self.dispatch(name)
        if found is None:
            self._fail(f"dbt.{name} is not one of dbt's macros the engine provides",
                          hint="the cross-database macros it provides: "
                          + ", ".join(sorted(BUILTINS)))
        return found

    def dispatch(self, name: str) -> Any:
        """The implementation of dbt macro `name`: the project's `duckdb__`/`default__`
        version, else the built-in one, else another dbt built-in of that name."""
        for prefix in ("duckdb__", "default__"):
            found = self._lookup(prefix + name)
            if found is not None:
                return found
        builtin = BUILTINS.get(name)
        if builtin is not None:
            return partial(builtin, self)
        return self._extra(name)


def unprefixed(ns: DbtNamespace) -> dict[str, Callable[..., Any]]:
    """The same macros as globals without `dbt.` (a project macro of the name wins, being
    loaded after): each still dispatches, so a `duckdb__dateadd` of the project counts."""

    def global_macro(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return ns.dispatch(name)(*args, **kwargs)

        call.__name__ = name
        return call

    return {name: global_macro(name) for name in BUILTINS}
