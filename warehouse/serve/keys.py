"""The keys a published relation can declare, read from what the project already asserts.

BI tools (Metabase, Superset) join tables on their own only when the database
declares primary and foreign keys. The project asserts them as data tests, so
they are read from there rather than written a second time:

- a column with both a `unique` and a `not_null` test is a key; the first such
  column in the table's column order (or the columns of an enforced contract's
  `primary key` constraint, which win) is the PRIMARY KEY, the others UNIQUE.
  A `unique` test alone makes a UNIQUE key (NULLs allowed, as in SQL);
- a `relationships` test is a FOREIGN KEY when the column it points to is a
  key of a relation that is published too (a foreign key needs one).

Only tests that guarantee the property for every row count: severity `error`
with the default threshold (any failing row fails the build) and no `where`
filter. A warn-severity test may fail while the build still publishes, so it
asserts nothing a constraint could rely on. What is left out is kept with the
reason, for the publish to report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warehouse.core.identity import NodeId, NodeKind

_DATA_KINDS = (NodeKind.MODEL, NodeKind.SEED, NodeKind.SOURCE, NodeKind.SNAPSHOT)
_ANY_FAILURE = frozenset({"!=0", "<>0", ">0", ">=1"})  # thresholds that fail on one row
_PK_COLUMNS = re.compile(r"^\s*primary\s+key\s*\((?P<cols>[^)]*)\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    to: NodeId
    to_columns: tuple[str, ...]
    test: str = ""  # the relationships test it comes from


@dataclass(frozen=True)
class TableKeys:
    primary: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    foreign: tuple[ForeignKey, ...] = ()

    def is_key(self, columns: Sequence[str]) -> bool:
        """Whether `columns` are this table's primary key or one of its unique keys."""
        wanted = tuple(c.lower() for c in columns)
        return any(wanted == tuple(c.lower() for c in key)
                   for key in (self.primary, *self.unique) if key)

    @property
    def empty(self) -> bool:
        return not (self.primary or self.unique or self.foreign)


@dataclass(frozen=True)
class Skipped:
    """A relationships test that did not become a foreign key, and why."""

    test: str
    table: NodeId
    reason: str


@dataclass(frozen=True)
class Keys:
    tables: Mapping[NodeId, TableKeys]
    skipped: tuple[Skipped, ...] = ()

    def of(self, node: NodeId) -> TableKeys:
        return self.tables.get(node, TableKeys())


def strict(test: Any) -> bool:
    """Whether a passing run of this test guarantees its property for every row."""
    config = test.config
    return (getattr(config, "severity", "error") == "error"
            and getattr(config, "where", None) is None
            and str(getattr(config, "error_if", "!=0")).replace(" ", "") in _ANY_FAILURE
            and getattr(config, "enabled", True))


def tested_node(test: Any) -> NodeId | None:
    """The node a generic test is declared on (its property file entry)."""
    for dep in test.depends_on:
        if dep.kind in _DATA_KINDS and (dep.name == test.attached_to
                                        or dep.name.endswith("." + str(test.attached_to))):
            return dep
    return None


def table_keys(nodes: Mapping[NodeId, Any], columns: Mapping[NodeId, Sequence[str]],
               published: Iterable[NodeId] | None = None) -> Keys:
    """Keys of the relations in `columns` (their column names, in table order).

    Foreign keys point only at relations in `published` (default: all of `columns`),
    and only at their keys."""
    known = {n: {c.lower(): c for c in cols} for n, cols in columns.items()}
    unique: dict[NodeId, set[str]] = {}
    not_null: dict[NodeId, set[str]] = {}
    relationships = []
    for test in nodes.values():
        name = getattr(test, "test_name", None)
        if test.id.kind is not NodeKind.TEST or name not in ("unique", "not_null",
                                                             "relationships"):
            continue
        table = tested_node(test)
        column = (test.column_name or "").lower()
        if table not in known or column not in known[table] or not strict(test):
            continue
        if name == "relationships":
            relationships.append((table, test))
        else:
            (unique if name == "unique" else not_null).setdefault(table, set()).add(column)
    tables = {n: _own_keys(nodes.get(n), known[n], unique.get(n, set()),
                           not_null.get(n, set())) for n in known}
    targets = set(known if published is None else published) & set(known)
    foreign: dict[NodeId, list[ForeignKey]] = {}
    skipped = []
    for table, test in relationships:
        fk, reason = _foreign_key(test, table, nodes, known, tables, targets)
        if fk is None:
            skipped.append(Skipped(test.name, table, reason))
        elif fk not in foreign.get(table, []):
            foreign.setdefault(table, []).append(fk)
    out = {n: TableKeys(k.primary, k.unique, tuple(foreign.get(n, ())))
           for n, k in tables.items()}
    return Keys({n: k for n, k in out.items() if not k.empty}, tuple(skipped))


def _own_keys(node: Any, names: Mapping[str, str], unique: set[str],
              not_null: set[str]) -> TableKeys:
    """Primary and unique keys of one table, in its column order."""
    contract = [names[c.lower()] for c in _contract_primary_key(node) if c.lower() in names]
    ordered = [names[c] for c in names if c in unique]
    candidates = [c for c in ordered if c.lower() in not_null]
    primary = tuple(contract) or tuple(candidates[:1])
    others = tuple((c,) for c in ordered if (c,) != primary)
    return TableKeys(primary, others)


def _contract_primary_key(node: Any) -> tuple[str, ...]:
    """The primary key an enforced contract declares (a column's `primary key` constraint,
    or a model-level `primary key (a, b)`), else a column's dbt `primary_key` constraint."""
    contract = getattr(node, "contract", None)
    if contract is not None:
        for constraint in getattr(contract, "constraints", ()):
            found = _PK_COLUMNS.match(str(constraint))
            if found:
                return tuple(c.strip().strip('"') for c in found["cols"].split(",") if c.strip())
        cols = tuple(c.name for c in getattr(contract, "columns", ())
                     if any("primary key" in str(k).lower() for k in c.constraints))
        if cols:
            return cols
    return tuple(c.name for c in getattr(node, "columns", ())
                 if any(isinstance(k, Mapping) and k.get("type") == "primary_key"
                        for _, k in getattr(c, "constraints", ())))


def _foreign_key(test: Any, table: NodeId, nodes: Mapping[NodeId, Any],
                 known: Mapping[NodeId, Mapping[str, str]], tables: Mapping[NodeId, TableKeys],
                 targets: set[NodeId]) -> tuple[ForeignKey | None, str]:
    field, relation = relationship_target(test.sql)
    others = [d for d in test.depends_on if d != table and d.kind in _DATA_KINDS]
    to = others[0] if len(others) == 1 else (table if not others else None)
    target = getattr(nodes.get(to), "relation", None) if to is not None else None
    if field is None or target is None or str(target).lower() != (relation or "").lower():
        return None, "its `to` or `field` is not a plain relation and column"
    if to not in targets:
        return None, f"{to.name} is not published"
    if field.lower() not in known[to]:
        return None, f"{to.name} has no column {field}"
    to_field = known[to][field.lower()]
    if not tables[to].is_key((to_field,)):
        return None, f"{to.name}.{to_field} is not a key (no unique test)"
    column = known[table][(test.column_name or "").lower()]
    return ForeignKey((column,), to, (to_field,), test.name), ""


def relationship_target(sql: str) -> tuple[str | None, str | None]:
    """(field, relation) a built-in relationships test's SQL compares with: the column of
    its `parent` CTE and the relation it reads; None where either is not that plain."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, dialect="duckdb")
    except sqlglot.errors.ParseError:
        return None, None
    for cte in tree.find_all(exp.CTE):
        if cte.alias != "parent" or not isinstance(cte.this, exp.Select):
            continue
        select = cte.this
        projected = select.expressions[0].unalias() if len(select.expressions) == 1 else None
        source = select.args.get("from_") or select.args.get("from")  # named so since 26
        table = source.this if source is not None else None
        if isinstance(projected, exp.Column) and not projected.table and isinstance(
                table, exp.Table):
            return projected.name, ".".join(p for p in (table.db, table.name) if p)
    return None, None
