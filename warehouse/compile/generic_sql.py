"""SQL of the built-in generic tests, each a query returning the failing rows.

The queries follow dbt's own macros one for one, so a dbt project's tests
find the same rows here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.core.identity import sql_literal

BUILTIN_ARGS: Mapping[str, frozenset[str]] = {
    "unique": frozenset(),
    "not_null": frozenset(),
    "accepted_values": frozenset({"values", "quote"}),
    "relationships": frozenset({"to", "field"}),
    "expression_is_true": frozenset({"expression"}),
}
REQUIRED_ARGS = {"accepted_values": ("values",), "relationships": ("to", "field"),
                  "expression_is_true": ("expression",)}
NEEDS_COLUMN = frozenset({"unique", "not_null", "accepted_values", "relationships"})


def apply_where(model_sql: str, where: str | None) -> str:
    """The model filtered by a test's `where` config, as dbt's get_where_subquery."""
    if not where:
        return model_sql
    return f"(select * from {model_sql} where {where}) as dbt_subquery"


_COLUMN_OPERATOR = re.compile(
    r"^\s*([<>=!+*/%|&^~-]|(is|in|between|like|ilike|glob|similar)\b"
    r"|not\s+(in|between|like|ilike|glob|similar)\b)", re.I)


def expression_condition(expression: str, column_name: str | None) -> str:
    """The condition an expression_is_true test requires of every row. Under a column,
    dbt_utils writes `column expression` (`>= 0`); a full condition (`value >= 0`) is
    accepted there too, and is used as written."""
    if column_name is not None and _COLUMN_OPERATOR.match(expression):
        return f"{column_name} {expression.strip()}"
    return expression.strip()


def generic_test_sql(test_name: str, *, model: str, column_name: str | None,
                     kwargs: Mapping[str, Any]) -> str:
    """The query returning a built-in test's failing rows (dbt's macros, one for one).

    `model` is the relation's SQL (already filtered by apply_where), `kwargs['to']` of
    relationships a resolved relation. Column names are used as written, like dbt
    (`column_name` may be an expression)."""
    col = column_name
    if test_name in NEEDS_COLUMN and not col:
        raise ProjectError(f"test {test_name!r} needs a column")
    if test_name == "unique":
        return (f"select {col} as unique_field, count(*) as n_records\n"
                f"from {model}\nwhere {col} is not null\n"
                f"group by {col}\nhaving count(*) > 1")
    if test_name == "not_null":
        return f"select *\nfrom {model}\nwhere {col} is null"
    if test_name == "accepted_values":
        values = kwargs.get("values")
        if not isinstance(values, (list, tuple)) or not values:
            raise ProjectError("accepted_values needs a non-empty list of values")
        quote = kwargs.get("quote", True)
        listed = ", ".join(sql_literal(v) if quote else str(v) for v in values)
        return (f"with all_values as (\n  select {col} as value_field, count(*) as n_records\n"
                f"  from {model}\n  group by {col}\n)\n"
                f"select * from all_values\nwhere value_field not in ({listed})")
    if test_name == "relationships":
        to, fld = kwargs.get("to"), kwargs.get("field")
        if not to or not fld:
            raise ProjectError("relationships needs `to` and `field`")
        return (f"with child as (\n  select {col} as from_field\n  from {model}\n"
                f"  where {col} is not null\n),\nparent as (\n"
                f"  select {fld} as to_field\n  from {to}\n)\n"
                "select from_field\nfrom child\n"
                "left join parent on child.from_field = parent.to_field\n"
                "where parent.to_field is null")
    if test_name == "expression_is_true":
        expression = kwargs.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise ProjectError("expression_is_true needs an `expression`")
        return f"select *\nfrom {model}\nwhere not ({expression_condition(expression, col)})"
    raise ProjectError(f"{test_name!r} is not a built-in test",
                       hint="built-in tests: " + ", ".join(sorted(BUILTIN_ARGS)))
