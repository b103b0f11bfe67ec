"""DuckDB aggregates whose Spark namesakes mean something else, written with DuckDB's meaning.

sqlglot writes DuckDB's `list(x)` as Spark's `collect_list(x)` and `string_agg`
as `listagg`, but the meanings part:

- `list` keeps NULL elements (`collect_list` and `collect_set` drop them), and
  is NULL over no rows (Spark gives an empty array);
- `list(x order by y)`: `collect_list` keeps no order at all;
- `string_agg(x, sep order by y)`: Spark's ListAgg throws a ClassCastException
  on some of these (DISTINCT with FILTER, in the trade warehouse);
- `avg` of a DECIMAL is a DOUBLE in DuckDB, a DECIMAL(p+4, s+4) in Spark.

So each list or string aggregate collects structs `(k0, k1, ..., v)` (a struct
is never NULL, so a NULL `v` is kept; DISTINCT dedups the structs, which is
the values since DuckDB wants a DISTINCT aggregate's ORDER BY keys among its
arguments), sorts them with a comparator that places NULL keys as DuckDB does
(last unless NULLS FIRST, for ASC and DESC alike) and keeps the `v`s;
`string_agg` drops NULL values (as DuckDB does) and joins them. An aggregate
over no rows is NULL, as in DuckDB. `avg` averages its argument cast to DOUBLE.
Strings compare by their bytes on both engines (DuckDB's default collation).
"""

from __future__ import annotations

from typing import Any

_LEFT, _RIGHT, _ITEM = "__wh_l", "__wh_r", "__wh_e"


def rewrite(tree: Any) -> Any:
    """`tree` (a DuckDB expression) with the aggregates above written for Spark."""
    return tree.transform(_rewrite)


def _rewrite(node: Any) -> Any:
    from sqlglot import exp

    call = _outermost(node)
    if call is None:
        return node
    agg, where, window = call
    if isinstance(agg, (exp.Avg, exp.Anonymous)):
        agg.meta["wh_aggregate"] = True  # kept by the copy, left alone by its rewrite
        done = rewrite(node.copy())
        agg.meta.pop("wh_aggregate")
        inner = done.this if isinstance(done, exp.Window) else done
        _averaged_as_double(inner.this if isinstance(inner, exp.Filter) else inner)
        return done
    return _collected(agg, where, window)


def _averaged_as_double(call: Any) -> None:
    """avg(x) as avg(cast(x as double)): DuckDB averages a DECIMAL as a DOUBLE (from its
    exact sum); Spark's DECIMAL average is rounded to scale s + 4 before any cast."""
    from sqlglot import exp

    holder = call.this if isinstance(call.this, exp.Distinct) else call
    key = "expressions" if isinstance(holder, (exp.Distinct, exp.Anonymous)) else "this"
    values = holder.args[key] if key == "expressions" else [holder.this]
    doubles = [exp.Cast(this=v.copy(), to=exp.DataType.build("double")) for v in values]
    holder.set(key, doubles if key == "expressions" else doubles[0])


def _is_target(node: Any) -> bool:
    from sqlglot import exp

    if isinstance(node, (exp.ArrayAgg, exp.GroupConcat, exp.Avg)):
        return True
    return isinstance(node, exp.Anonymous) and node.name.lower() == "mean"


def _outermost(node: Any) -> tuple[Any, Any, Any] | None:
    """(aggregate, its FILTER's condition, its Window) when `node` is the outermost of
    `agg`, `agg FILTER (...)`, `... OVER (...)` for an aggregate rewritten here."""
    from sqlglot import exp

    parent = node.parent
    if isinstance(parent, (exp.Filter, exp.Window)) and parent.this is node:
        return None  # the wrapper is the call
    window = node if isinstance(node, exp.Window) else None
    inner = node.this if window is not None else node
    where = None
    if isinstance(inner, exp.Filter):
        where = inner.expression.this
        inner = inner.this
    if not _is_target(inner) or inner.meta.get("wh_aggregate"):
        return None
    return inner, where, window


def _collected(agg: Any, where: Any, window: Any) -> Any:
    """A list or string aggregate as collect_list/collect_set of structs, sorted."""
    from sqlglot import exp

    value, keys, distinct = _parts(agg)
    is_string = isinstance(agg, exp.GroupConcat)
    if is_string:
        value = exp.Cast(this=value, to=exp.DataType.build("text"))
        not_null = exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))
        where = not_null if where is None else exp.and_(exp.paren(where.copy()), not_null)
    fields: list[Any] = []
    for i, (key, _, _) in enumerate(keys):
        fields += [exp.Literal.string(f"k{i}"), key]
    fields += [exp.Literal.string("v"), value]
    struct = exp.Anonymous(this="named_struct", expressions=fields)
    collected: Any = exp.Anonymous(this="collect_set" if distinct else "collect_list",
                                   expressions=[struct])
    if where is not None:
        collected = exp.Filter(this=collected, expression=exp.Where(this=where.copy()))
    if window is not None:
        collected = _rewindow(window, collected)
    items: Any = collected
    if keys:
        items = exp.Anonymous(this="array_sort", expressions=[
            collected.copy(), _comparator([(d, n) for _, d, n in keys])])
    values = exp.Transform(this=items, expression=exp.Lambda(
        this=exp.Dot(this=exp.to_identifier(_ITEM), expression=exp.to_identifier("v")),
        expressions=[exp.to_identifier(_ITEM)]))
    if is_string:
        separator = agg.args.get("separator")
        separator = separator.copy() if separator is not None else exp.Literal.string(",")
        values = exp.Anonymous(this="array_join", expressions=[values, separator])
    empty = exp.EQ(this=exp.ArraySize(this=collected.copy()), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=values)


def _rewindow(window: Any, collected: Any) -> Any:
    done = window.copy()
    done.set("this", collected)
    return done


def _parts(agg: Any) -> tuple[Any, list[tuple[Any, bool, bool]], bool]:
    """(value, [(key, descending, nulls first)], distinct) of a list or string aggregate,
    its sub-expressions already rewritten."""
    from sqlglot import exp

    body = agg.this
    keys: list[tuple[Any, bool, bool]] = []
    if isinstance(body, exp.Order):
        keys = [(rewrite(o.this.copy()), bool(o.args.get("desc")),
                 bool(o.args.get("nulls_first"))) for o in body.expressions]
        body = body.this
    distinct = isinstance(body, exp.Distinct)
    if distinct:
        body = body.expressions[0]
    return rewrite(body.copy()), keys, distinct


def _comparator(keys: list[tuple[bool, bool]]) -> Any:
    """(l, r) -> -1, 0 or 1, ordering structs by k0, k1, ... as DuckDB orders rows."""
    from sqlglot import exp

    def field(side: str, i: int) -> Any:
        return exp.Dot(this=exp.to_identifier(side), expression=exp.to_identifier(f"k{i}"))

    def number(n: int) -> Any:
        return exp.Literal.number(n) if n >= 0 else exp.Neg(this=exp.Literal.number(-n))

    ifs = []
    for i, (descending, nulls_first) in enumerate(keys):
        left, right = field(_LEFT, i), field(_RIGHT, i)
        null_left = exp.Is(this=left.copy(), expression=exp.Null())
        null_right = exp.Is(this=right.copy(), expression=exp.Null())
        first = -1 if nulls_first else 1  # where a NULL on the left goes
        less = 1 if descending else -1
        ifs += [
            exp.If(this=exp.and_(null_left, exp.Not(this=null_right)), true=number(first)),
            exp.If(this=exp.and_(exp.Not(this=null_left.copy()), null_right.copy()),
                   true=number(-first)),
            exp.If(this=exp.LT(this=left.copy(), expression=right.copy()), true=number(less)),
            exp.If(this=exp.GT(this=left.copy(), expression=right.copy()), true=number(-less)),
        ]
    return exp.Lambda(this=exp.Case(ifs=ifs, default=exp.Literal.number(0)),
                      expressions=[exp.to_identifier(_LEFT), exp.to_identifier(_RIGHT)])
