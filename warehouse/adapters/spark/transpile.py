"""DuckDB SQL (the project's dialect) written as Spark SQL by sqlglot, or a located refusal.

Models are never rewritten by hand: each statement the engine hands the
Spark session is parsed as DuckDB SQL and generated as Spark SQL. Three
things stop a statement before Spark sees it, each as a `DatabaseError`
whose second line is `LINE n:` (n - 1 is the line of the caller's SQL, the
convention of adapters/base.py), so the runner places it in the model's file:

- the DuckDB parser rejects the text;
- sqlglot says it cannot write a construct in Spark SQL (its UnsupportedError);
- a construct sqlglot would write with another meaning (`_refusal` below): ASOF
  or POSITIONAL joins pass through unchanged.

Constructs sqlglot would write with another meaning and that Spark SQL can
say are written with DuckDB's meaning: `_carried_over` below, the list, string
and avg aggregates in aggregates.py, list functions in lists.py, and
`describe (query)` (Spark's DESCRIBE QUERY, whose Spark types
`duckdb_described` names as DuckDB does).

Table qualifiers are the project's schema names; `databases` maps them to
Spark database names (a prefix, say), the only change made to the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from warehouse.adapters.base import DatabaseError

Rename = Callable[[str], str]  # project schema -> Spark database
Relocate = Callable[[str, str], "tuple[str, str] | None"]  # (schema, table) -> (db, table)


class TranspileError(DatabaseError):
    """DuckDB SQL that cannot be written as Spark SQL with the same meaning."""


def _refusal(node: Any) -> str | None:
    """Why `node` (a DuckDB expression) must not be transpiled, or None."""
    from sqlglot import exp

    if isinstance(node, exp.Join):
        kind = str(node.args.get("method") or node.args.get("kind") or "").upper()
        if kind in ("ASOF", "POSITIONAL"):
            return f"{kind} JOIN: Spark SQL has no such join"
    if isinstance(node, exp.Format):
        return ("DuckDB's format(), whose {} placeholders Spark's format_string would print "
                "as they are: write the text with || (and printf for numbers)")
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "printf":
        return printf_refusal(node)
    return None


def printf_refusal(call: Any) -> str | None:
    """Why DuckDB's printf(format, ...) would print otherwise on Spark, or None.

    A floating conversion (`%.2f`, `%e`, `%g`) rounds the double's binary value in
    DuckDB (2.255 is 2.25499..., so 2.25) and the number's decimal text half up in
    Java's formatter (2.26). Both print the same digits only for a value already
    rounded, as a DECIMAL, to no more places than a `%f` shows; anything else (`%e`,
    `%g` count significant digits) is refused. A format that is not a literal cannot
    be checked, so it is refused too."""
    import re

    from sqlglot import exp

    text, *args = call.expressions
    if not (isinstance(text, exp.Literal) and text.is_string):
        return "printf with a format that is not a literal: Spark's formatter differs from DuckDB's"
    conversions = re.findall(r"%[-#+ 0,(]*\d*(?:\.(\d+))?([a-zA-Z%])", text.this)
    values = iter(args)
    for places, kind in conversions:
        if kind == "%":
            continue
        value = next(values, None)
        rounded = kind in "fF" and _rounded_decimal(value, int(places or 6))
        if kind in "eEgGaAfF" and not rounded:
            return (f"printf's %{kind} of a number that is not a DECIMAL already rounded to "
                    f"those places: Spark rounds its decimal text half up, DuckDB its binary "
                    f"value (2.255 prints 2.26 and 2.25); round it first, as "
                    f"printf('%.2f', round(x::decimal(38, 9), 2))")
    return None


def _rounded_decimal(value: Any, places: int) -> bool:
    """Whether `value` is round(<cast to DECIMAL>, d) with a literal d <= places."""
    from sqlglot import exp

    if not isinstance(value, exp.Round) or not isinstance(value.this, exp.Cast):
        return False
    digits = value.args.get("decimals")
    return (value.this.to.is_type(exp.DataType.Type.DECIMAL)
            and isinstance(digits, exp.Literal) and not digits.is_string
            and digits.this.isdigit() and int(digits.this) <= places)


def _carried_over(node: Any) -> Any:
    """DuckDB constructs sqlglot leaves as they are, written as Spark SQL of the same
    meaning: `x SIMILAR TO 'p'` (a regular expression that must match the whole text) is
    `x RLIKE '^(?:p)$'` (RLIKE finds the pattern anywhere), and so is
    `regexp_full_match(x, 'p')`; the day of the week counts
    from 0; a date plus an interval is a timestamp; `/` divides as DOUBLEs; a rounded
    DECIMAL printed by printf is a DOUBLE."""
    from sqlglot import exp

    if node.meta.get("carried"):
        return node
    if isinstance(node, exp.Div) and not node.args.get("typed") \
            and not isinstance(node.this, exp.Interval):
        # DuckDB's `/` is a DOUBLE division for DECIMALs too; Spark divides DECIMALs as
        # DECIMALs, rounded to a scale of its own. Changed in place: its operands are
        # carried over in turn.
        node.set("this", exp.Cast(this=node.this, to=exp.DataType.build("double")))
        return node
    if isinstance(node, exp.DayOfWeek) or (isinstance(node, exp.Extract) and
                                           node.name.upper() in ("DOW", "DAYOFWEEK")):
        node.meta["carried"] = True  # DuckDB counts Sunday as 0, Spark as 1
        return exp.paren(exp.Sub(this=node.copy(), expression=exp.Literal.number(1)))
    if isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval) \
            and not isinstance(node.this, exp.Interval):
        # DuckDB: date + interval is a TIMESTAMP; Spark keeps a DATE for whole days
        stamp = node.this.copy()
        if not (isinstance(stamp, exp.Cast) and stamp.to.is_type("timestamp")):
            stamp = exp.Cast(this=stamp, to=exp.DataType.build("timestamp", dialect="duckdb"))
            stamp.meta["carried"] = True
        done = node.__class__(this=stamp, expression=node.expression.copy())
        done.meta["carried"] = True
        return done
    if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
        return _range_table(node)
    if isinstance(node, exp.Round) and isinstance(node.parent, exp.Anonymous) \
            and str(node.parent.this).lower() == "printf":
        # a DECIMAL printf accepts (printf_refusal): Java's formatter takes no Spark
        # Decimal, and the DOUBLE nearest an already rounded value prints its digits
        node.meta["carried"] = True
        return exp.Cast(this=node, to=exp.DataType.build("double"))
    if (isinstance(node, exp.SimilarTo) and not node.args.get("escape")) or (
            isinstance(node, exp.RegexpFullMatch) and not node.args.get("options")):
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            anchored: Any = exp.Literal.string(f"^(?:{pattern.this})$")
        else:
            anchored = exp.func("concat", exp.Literal.string("^(?:"), pattern.copy(),
                                exp.Literal.string(")$"))
        return exp.RegexpLike(this=node.this.copy(), expression=anchored)
    return node


def _range_table(node: Any) -> Any:
    """DuckDB's table function `range(a, b[, step])` (or `generate_series`, whose end is
    included) as Spark's `range`, the same integers (end excluded), named as DuckDB names
    them: the alias's column, else `range` (Spark would say `id`)."""
    from sqlglot import exp

    series = node.this
    end = series.args["end"].copy()
    if not series.args.get("is_end_exclusive"):
        end = exp.Add(this=end, expression=exp.Literal.number(1))
    args = [series.args["start"].copy(), end]
    if series.args.get("step") is not None:
        args.append(series.args["step"].copy())
    alias = node.args.get("alias")
    default = "range" if series.args.get("is_end_exclusive") else "generate_series"
    name = alias.this.copy() if alias is not None and alias.this else exp.to_identifier(default)
    column_names = [c.copy() for c in alias.columns] if alias is not None and alias.columns \
        else [exp.to_identifier(default)]
    return exp.Table(this=exp.Anonymous(this="range", expressions=args),
                     alias=exp.TableAlias(this=name, columns=column_names))


def to_spark(sql: str, rename: Rename | None = None, columns: Any = None,
             relocate: Relocate | None = None) -> list[str]:
    """Each statement of DuckDB `sql` as Spark SQL (comments dropped). `columns(schema,
    table)` gives a table's columns, for what needs them (byname.py); `relocate(schema,
    table)` the Spark (database, table) a build wrote it as (None: where it is published)."""
    import sqlglot
    from sqlglot.errors import ParseError, UnsupportedError

    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except ParseError as exc:
        error = exc.errors[0] if exc.errors else {}
        line = error.get("line")
        raise TranspileError(located(f"DuckDB SQL that does not parse: "
                                     f"{error.get('description') or exc}", sql, line)) from None
    out = []
    for tree in trees:
        for node in tree.walk():
            reason = _refusal(node)
            if reason:
                raise TranspileError(located(f"cannot run on Spark: `{_short(node)}` is {reason}",
                                             sql, _line_of(node, sql)))
        tree = _with_duckdb_meaning(tree, columns)
        if columns is not None:
            tree = _by_name(tree, sql, columns)
        if rename is not None:
            _place_tables(tree, rename, relocate)
        try:
            out.append(_written(tree))
        except UnsupportedError as exc:
            node = _unsupported_node(tree)
            construct = f"`{_short(node)}`: " if node is not None else ""
            raise TranspileError(located(f"cannot be transpiled to Spark SQL: {construct}{exc}",
                                         sql, _line_of(node, sql) if node else None)) from None
    return out


def _place_tables(tree: Any, rename: Rename, relocate: Relocate | None) -> None:
    """Schema-qualified tables named as Spark holds them. A relocated table (a build's new
    version, see versions.py) keeps its project name as its alias, so the columns the SQL
    qualifies with it (`orders.id`, `main.orders.id`) still resolve."""
    from sqlglot import exp

    moved: set[tuple[str, str]] = set()
    for table in tree.find_all(exp.Table):
        if table.args.get("db") is None or table.args.get("catalog"):
            continue
        place = relocate(table.db, table.name) if relocate is not None else None
        if place is None:
            table.set("db", exp.to_identifier(rename(table.db), quoted=True))
            continue
        moved.add((table.db.lower(), table.name.lower()))
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
        table.set("db", exp.to_identifier(place[0], quoted=True))
        table.set("this", exp.to_identifier(place[1], quoted=True))
    if moved:
        for column in tree.find_all(exp.Column):
            if column.args.get("db") is not None and (column.db.lower(),
                                                      column.table.lower()) in moved:
                column.set("db", None)


def _with_duckdb_meaning(tree: Any, columns: Any = None) -> Any:
    from warehouse.adapters.spark.aggregates import rewrite
    from warehouse.adapters.spark.lists import with_duckdb_lists

    return rewrite(with_duckdb_lists(tree.transform(_carried_over), columns))


def _written(tree: Any) -> str:
    """Spark SQL of `tree`; DuckDB's `describe (query)` is Spark's DESCRIBE QUERY."""
    from sqlglot import ErrorLevel, exp

    if isinstance(tree, exp.Describe) and isinstance(tree.this, (exp.Subquery, exp.Query)):
        query = tree.this.this if isinstance(tree.this, exp.Subquery) else tree.this
        return "DESCRIBE QUERY " + query.sql(dialect="spark",
                                             unsupported_level=ErrorLevel.RAISE)
    return tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)


def duckdb_described(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of Spark's DESCRIBE QUERY (name, Spark type, comment) as DuckDB's describe
    gives them (name, DuckDB type), for callers that write the types back into DuckDB SQL
    (unit tests' fixtures)."""
    from warehouse.adapters.spark.lists import duckdb_type

    return [(name, duckdb_type(str(kind))) for name, kind, *_ in rows]


def _by_name(tree: Any, sql: str, columns: Any) -> Any:
    from warehouse.adapters.spark.byname import ByNameError, has_by_name, rewrite

    if not has_by_name(tree):
        return tree
    try:
        return rewrite(tree, columns)
    except ByNameError as exc:
        raise TranspileError(located(f"cannot run on Spark: {exc}", sql,
                                     _line_of(exc.node, sql))) from None


def to_spark_one(sql: str, rename: Rename | None = None, columns: Any = None,
                 relocate: Relocate | None = None) -> str:
    """One query (a model's SELECT) as Spark SQL."""
    statements = to_spark(sql, rename, columns, relocate)
    if len(statements) != 1:
        raise TranspileError(f"expected one statement, found {len(statements)}")
    return statements[0]


def located(message: str, sql: str, line: int | None) -> str:
    """`message`, then `LINE n:` with the caller's line (plus one: see the module docstring)."""
    if line is None:
        return message
    lines = sql.splitlines()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return f"{message}\nLINE {line + 1}: {text}"


def _short(node: Any) -> str:
    text = node.sql(dialect="duckdb")
    return text if len(text) <= 80 else text[:77] + "..."


def _line_of(node: Any, sql: str) -> int | None:
    """The line of `sql` where `node` starts: its own position, else its first token's."""
    for candidate in (node, *node.walk()):
        meta = getattr(candidate, "meta", None) or {}
        if "line" in meta:
            return int(meta["line"])
    return None


def _unsupported_node(tree: Any) -> Any:
    """The innermost expression sqlglot refuses to write in Spark SQL."""
    from sqlglot import ErrorLevel
    from sqlglot.errors import UnsupportedError

    found = None
    for node in tree.walk(bfs=True):
        try:
            node.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
        except UnsupportedError:
            found = node
        except Exception:  # a fragment that cannot stand alone
            continue
    return found


def _squashed(text: str) -> str:
    return re.sub(r"[\s`\"]", "", text).lower()


def _fragment_line(sql: str, fragments: list[str]) -> int | None:
    """The line of the DuckDB expression whose Spark SQL is one of Spark's fragments (the
    expression Spark complains about, as sqlglot wrote it)."""
    import sqlglot

    wanted = {_squashed(f) for f in fragments if f}
    if not wanted:
        return None
    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except Exception:
        return None
    for tree in trees:
        for node in _with_duckdb_meaning(tree).walk():
            try:
                written = node.sql(dialect="spark")
            except Exception:
                continue
            if _squashed(written) in wanted:
                return _line_of(node, sql)
    return None


def spark_error_line(message: str, sql: str, fragments: list[str]) -> int | None:
    """The line of DuckDB `sql` that holds what Spark's error names: the expression of its
    query context's fragment, else that fragment or a name its message quotes, found as a
    whole word."""
    line = _fragment_line(sql, fragments)
    if line is not None:
        return line
    first = message.split("\n")[0]
    names = [f for f in fragments if f] + re.findall(r"`([^`]+)`", first) + re.findall(
        r'"([^"]+)"', first)
    for name in names:
        last = name.split(".")[-1].strip("`")
        if not last:
            continue
        found = re.search(rf"(?<![\w]){re.escape(last)}(?![\w])", sql, flags=re.I)
        if found:
            return sql.count("\n", 0, found.start()) + 1
    return None
