"""DuckDB's `UNION [ALL] BY NAME` as Spark SQL, which only unions by position.

DuckDB matches the branches' columns by name: the result has the first
branch's columns, then each column a later branch adds, and a branch
without a column gives NULL for it. Spark SQL has no such union, so each
branch is written to select exactly the result's columns in the result's
order (NULL where it lacks one), and the branches are unioned by position.

The branches' columns must be known: `SELECT *` is expanded by sqlglot's
`qualify` from the columns of the tables read (asked of the database).
Where a branch's columns still cannot be named, the union is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Columns = Callable[[str, str], list[tuple[str, str]] | None]  # (schema, table) -> columns


class ByNameError(Exception):
    """A by-name union whose branches' columns cannot be named; `node` is the union."""

    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.node = node


def has_by_name(tree: Any) -> bool:
    from sqlglot import exp

    return any(u.args.get("by_name") for u in tree.find_all(exp.Union))


def rewrite(tree: Any, columns: Columns) -> Any:
    """`tree` with every by-name union written as a positional one."""
    from sqlglot import exp
    from sqlglot.optimizer.qualify import qualify

    schema: dict[str, dict[str, dict[str, str]]] = {}
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not table.db or table.name.lower() in ctes and not table.db:
            continue
        found = columns(table.db, table.name)
        if found:
            schema.setdefault(table.db, {})[table.name] = {
                name: _type(type_) for name, type_ in found}
    tree = qualify(tree, schema=schema, dialect="duckdb", expand_stars=True,
                   validate_qualify_columns=False, quote_identifiers=False,
                   identify=False)
    return tree.transform(_positional)


def _type(spark_type: str) -> str:
    from sqlglot import exp

    try:
        return exp.DataType.build(spark_type, dialect="spark").sql(dialect="duckdb")
    except Exception:
        return "varchar"


def _branches(node: Any, distinct: bool) -> list[Any]:
    """The SELECTs of a chain of by-name unions of the same kind (ALL or DISTINCT)."""
    from sqlglot import exp

    if (isinstance(node, exp.Union) and node.args.get("by_name")
            and bool(node.args.get("distinct")) == distinct):
        return _branches(node.left, distinct) + _branches(node.right, distinct)
    return [node]


def _positional(node: Any) -> Any:
    from sqlglot import exp

    if not (isinstance(node, exp.Union) and node.args.get("by_name")):
        return node
    distinct = bool(node.args.get("distinct"))
    branches = _branches(node, distinct)
    names: list[str] = []
    for branch in branches:
        if not isinstance(branch, exp.Select) or any(
                isinstance(e, exp.Star) or (isinstance(e, exp.Column) and e.is_star)
                for e in branch.expressions):
            raise ByNameError("UNION BY NAME whose branch's columns cannot be named (a "
                              "SELECT * of a table the database does not know)", node)
        for name in branch.named_selects:
            if name.lower() not in (n.lower() for n in names):
                names.append(name)
    rebuilt = None
    for branch in branches:
        by_key = {e.alias_or_name.lower(): e for e in branch.expressions}
        branch = branch.copy()
        branch.set("expressions", [
            by_key[n.lower()].copy() if n.lower() in by_key
            else exp.alias_(exp.Null(), n) for n in names])
        rebuilt = branch if rebuilt is None else exp.Union(
            this=rebuilt, expression=branch, distinct=distinct)
    return rebuilt
