"""DuckDB list functions whose Spark namesakes count or keep other things.

`list_distinct(l)` drops NULL elements in DuckDB; Spark's array_distinct keeps
one: the NULLs are filtered out first.

DuckDB's `len(x)` / `length(x)` of a LIST is Spark's `size(x)`.
DuckDB's `len` counts a string's characters or a list's elements; sqlglot writes
it as Spark's `length`, which takes strings only, so `len(list)` would fail on
Spark. Which one a call means depends on its argument's type, so the types are
inferred (sqlglot's qualify and annotate_types, over the columns of the tables
the query reads) and only a call whose argument is known to be a list becomes
`size` (the same count, NULL elements included, and NULL of a NULL list). A
call whose type stays unknown is left as it is: Spark then refuses a list with
a located error, never a different count.

Inference costs a fraction of a second on a large model, so it runs only for a
query that holds such a call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Columns = Callable[[str, str], "list[tuple[str, str]] | None"]  # Spark (name, type)
_MARK = "wh_length"


def with_duckdb_lists(tree: Any, columns: Columns | None) -> Any:
    """`tree` (DuckDB SQL) with the list functions above written for Spark."""
    return sizes_of_lists(tree.transform(_distinct_without_nulls), columns)


def _distinct_without_nulls(node: Any) -> Any:
    from sqlglot import exp

    if not isinstance(node, exp.ArrayDistinct) or node.meta.get(_MARK):
        return node
    item = exp.to_identifier("__wh_x")
    kept = exp.ArrayFilter(this=node.this.copy(), expression=exp.Lambda(
        this=exp.Not(this=exp.Is(this=exp.column(item.copy()), expression=exp.Null())),
        expressions=[item]))
    done = exp.ArrayDistinct(this=kept.transform(_distinct_without_nulls))
    done.meta[_MARK] = True
    return done


def sizes_of_lists(tree: Any, columns: Columns | None) -> Any:
    """`tree` (DuckDB SQL) with each `len`/`length` of a list written as `size`."""
    from sqlglot import exp

    calls = list(tree.find_all(exp.Length))
    if not calls:
        return tree
    for number, call in enumerate(calls):
        call.meta[_MARK] = number
    lists = _list_calls(tree, columns)
    for call in calls:
        number = call.meta.pop(_MARK)
        if number in lists or isinstance(call.this, _lists()):
            call.replace(exp.ArraySize(this=call.this))
    return tree


def _lists() -> tuple[type, ...]:
    """Expressions that are lists whatever their arguments' types."""
    from sqlglot import exp

    names = ("Array", "ArrayAgg", "ArrayFilter", "Transform", "ArraySort", "SortArray",
             "ArrayConcat", "ArrayDistinct", "Split", "RegexpSplit", "ArraySlice")
    return tuple(getattr(exp, n) for n in names if hasattr(exp, n))


def _list_calls(tree: Any, columns: Columns | None) -> set[int]:
    """The marks of the calls whose argument sqlglot types as a list (an ARRAY)."""
    from sqlglot import exp
    from sqlglot.optimizer.annotate_types import annotate_types
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.schema import MappingSchema

    try:
        schema = MappingSchema(_schema(tree, columns), dialect="duckdb")
        typed = annotate_types(qualify(tree.copy(), schema=schema, dialect="duckdb",
                                       validate_qualify_columns=False,
                                       quote_identifiers=False),
                               schema=schema, dialect="duckdb")
    except Exception:  # a query sqlglot cannot type: no call is known to take a list
        return set()
    return {call.meta[_MARK] for call in typed.find_all(exp.Length)
            if _MARK in call.meta and call.this.type is not None
            and call.this.type.is_type(exp.DataType.Type.ARRAY)}


def _schema(tree: Any, columns: Columns | None) -> dict[str, dict[str, dict[str, str]]]:
    """{schema: {table: {column: DuckDB type}}} of the schema-qualified tables read."""
    from sqlglot import exp

    out: dict[str, dict[str, dict[str, str]]] = {}
    if columns is None:
        return out
    for table in tree.find_all(exp.Table):
        if not table.db or table.args.get("catalog"):
            continue
        found = columns(table.db, table.name)
        if found:
            out.setdefault(table.db, {})[table.name] = {
                name: duckdb_type(kind) for name, kind in found}
    return out


def duckdb_type(spark_type: str) -> str:
    """A Spark type's name as DuckDB writes it (`array<string>` is `TEXT[]`); a type
    sqlglot does not know (`void`) is kept as Spark names it."""
    from sqlglot import exp

    try:
        return exp.DataType.build(spark_type, dialect="spark").sql(dialect="duckdb")
    except Exception:
        return spark_type
