"""Enforced contracts and `on_schema_change`: read at load, and their errors at run time.

A model with `contract: {enforced: true}` promises the columns its property
file lists: each with a `data_type`, and optional `constraints` (`not_null`,
`unique`, `primary_key`, `check`, `foreign_key`, `custom`), as may the model
itself under `constraints:`. This module turns that into a `Contract` (the
column DDL as dbt renders it) and words the errors: a contract that cannot be
checked as written (no columns, a column without a type, an unknown
constraint) fails its model, as in dbt (which finds it while building that
model), and the rest of the project builds; a query whose columns differ is
an error at the YAML line of the column that differs (or in the model's file
for a column the contract lacks), naming what each side says. The database
compares the columns (adapters/duckdb/contracts.py), just before it builds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from warehouse.core.errors import ProjectError, caret_snippet
from warehouse.core.identity import quote_ident
from warehouse.core.nodes import Contract, ContractColumn, ModelNode
from warehouse.core.properties import NodeProps

MODES = ("ignore", "append_new_columns", "sync_all_columns", "fail")
CONSTRAINT_TYPES = ("check", "not_null", "unique", "primary_key", "foreign_key", "custom")
_REF = re.compile(r"""^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$""")
_SOURCE = re.compile(r"""^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$""")


class ContractError(ProjectError):
    """An enforced contract that cannot be checked as written: its model fails when it runs
    (as in dbt, which finds it while building that model); the rest of the project builds."""


def schema_change_mode(config: Mapping[str, Any]) -> str:
    """The model's `on_schema_change`; dbt takes an unknown value as 'ignore'."""
    value = config.get("on_schema_change")
    return value if value in MODES else "ignore"


def is_enforced(config: Mapping[str, Any]) -> bool:
    value = config.get("contract")
    return isinstance(value, Mapping) and value.get("enforced") is True


def foreign_key_targets(props: NodeProps | None) -> list[tuple[str, ...]]:
    """The `ref('x')` (as ('x',)) and `source('s', 't')` (as ('s', 't')) a contract's
    foreign keys point at: the model is built after them, as dbt orders it."""
    targets = []
    constraints = [c for _line, c in props.constraints] if props else []
    for column in props.columns if props else ():
        constraints += [c for _line, c in column.constraints]
    for constraint in constraints:
        to = constraint.get("to") if isinstance(constraint, Mapping) else None
        ref, source = _REF.match(str(to or "")), _SOURCE.match(str(to or ""))
        if ref:
            targets.append((ref.group(1),))
        elif source:
            targets.append((source.group(1), source.group(2)))
    return targets


def build_contract(config: Mapping[str, Any], props: NodeProps | None, *, name: str,
                   materialized: str, locate: Callable[[str], dict[str, Any]],
                   relation_of: Callable[[tuple[str, ...]], str | None]) -> Contract | None:
    """The model's enforced contract, or None when it has none (or is ephemeral: dbt checks
    no contract there, it builds nothing). A ContractError when it cannot be checked as
    written. `relation_of` gives the relation a foreign key's `to:` names."""
    if not is_enforced(config) or materialized == "ephemeral":
        return None
    if materialized == "incremental" and schema_change_mode(config) not in (
            "append_new_columns", "fail"):
        key = "on_schema_change" if "on_schema_change" in config else "contract"
        raise ContractError(
            f"model {name!r} is incremental with an enforced contract, so on_schema_change "
            f"must be 'append_new_columns' or 'fail' (dbt's rule), not "
            f"{schema_change_mode(config)!r}", **locate(key),
            hint="set on_schema_change='append_new_columns' (or 'fail')")
    if props is None or not props.columns:
        raise ContractError(f"model {name!r} has an enforced contract but no property file "
                            "lists its columns", **locate("contract"),
                            hint="list each column with its data_type under the model's "
                                 "`columns:` in a .yml file")
    text = props.text
    columns = []
    for column in props.columns:
        where = {"path": props.path, "line": column.line,
                 "snippet": caret_snippet(text, column.line, None) if column.line else None}
        if not column.data_type or not str(column.data_type).strip():
            raise ContractError(f"column {column.name!r} of model {name!r} has no data_type: "
                                "an enforced contract needs one for each column", **where)
        rendered = [_column_constraint(c, line or column.line, props, relation_of)
                    for line, c in column.constraints]
        columns.append(ContractColumn(column.name, str(column.data_type).strip(),
                                      tuple(r for r in rendered if r), column.line,
                                      where["snippet"]))
    _check_primary_keys(props, name)
    model_level = [_model_constraint(c, line, props, relation_of) for line, c in props.constraints]
    return Contract(tuple(columns), tuple(r for r in model_level if r), props.path,
                    props.line, enforce_constraints=materialized != "view")


def attach_contract(model: ModelNode, props: NodeProps | None,
                    locate: Callable[[str], dict[str, Any]], nodes: Mapping[Any, Any],
                    ignored: Any = None) -> ModelNode:
    """The model with its enforced contract (a ContractError when it cannot be checked as
    written); `ignored` (dbt/subset.py IgnoredConfigs) gets a note for what dbt accepts
    and does not act on: an unknown on_schema_change, a view's constraints, an ephemeral
    model's contract."""
    from dataclasses import replace

    from warehouse.compile.resolve import ref_id
    from warehouse.core.identity import NodeId, NodeKind

    def note(key: str, reason: str) -> None:
        if ignored is not None:
            where = locate(key)
            line = where.get("line")
            ignored.add(key, reason, f"{where.get('path')}:{line}" if line else
                        str(where.get("path")))

    config = model.config
    mode = config.get("on_schema_change")
    if mode is not None and mode not in MODES:
        note("on_schema_change", f"{mode!r} is not one of {', '.join(MODES)}; dbt takes "
                                 "it as 'ignore'")
    if not is_enforced(config):
        return model
    if model.materialized == "ephemeral":
        note("contract", "an ephemeral model builds nothing to check; dbt checks none")
        return model
    if model.materialized == "view" and has_constraints(props):
        note("constraints", "a view holds no constraints (its columns are checked); dbt "
                            "warns the same")

    def relation_of(target: tuple[str, ...]) -> str | None:
        node_id = (ref_id(nodes, target[0]) if len(target) == 1
                   else NodeId(NodeKind.SOURCE, ".".join(target)))
        node = nodes.get(node_id)
        return node.relation.sql if node is not None else None

    contract = build_contract(config, props, name=model.name,
                              materialized=model.materialized, locate=locate,
                              relation_of=relation_of)
    return replace(model, contract=contract)


def has_constraints(props: NodeProps | None) -> bool:
    return bool(props and (props.constraints or any(c.constraints for c in props.columns)))


def _fail(message: str, props: NodeProps, line: int | None, hint: str | None = None):
    return ContractError(message, path=props.path, line=line, hint=hint,
                         snippet=caret_snippet(props.text, line, None) if line else None)


def _constraint(raw: Any, line: int | None, props: NodeProps) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping) or raw.get("type") not in CONSTRAINT_TYPES:
        got = raw.get("type") if isinstance(raw, Mapping) else raw
        raise _fail(f"invalid constraint {got!r}: its type must be one of "
                    + ", ".join(CONSTRAINT_TYPES), props, line)
    return raw


def _target(constraint: Mapping[str, Any], line: int | None, props: NodeProps,
            relation_of: Callable[[tuple[str, ...]], str | None]) -> str | None:
    """`references ...` of a foreign key: its `to:` relation and columns, or its
    expression; None when it has neither (dbt then renders nothing)."""
    to, columns = constraint.get("to"), constraint.get("to_columns")
    if to and columns:
        ref, source = _REF.match(str(to)), _SOURCE.match(str(to))
        target = ((ref.group(1),) if ref else (source.group(1), source.group(2))
                  if source else None)
        relation = relation_of(target) if target else None
        if relation is None:
            raise _fail(f"foreign key to {to!r}: write ref('model') or "
                        "source('source', 'table') naming a node of the project", props, line)
        cols = [columns] if isinstance(columns, str) else list(columns)
        return f"references {relation} ({', '.join(quote_ident(str(c)) for c in cols)})"
    if constraint.get("expression"):
        return f"references {constraint['expression']}"
    return None


def _column_constraint(raw: Any, line: int | None, props: NodeProps,
                       relation_of: Callable[[tuple[str, ...]], str | None]) -> str | None:
    """One column constraint as DDL, as dbt renders it for DuckDB (which enforces all)."""
    constraint = _constraint(raw, line, props)
    kind, expression = constraint["type"], str(constraint.get("expression") or "")
    if kind == "check":
        return f"check ({expression})" if expression else None
    if kind == "foreign_key":
        return _target(constraint, line, props, relation_of)
    if kind == "custom":
        return expression or None
    return f"{kind.replace('_', ' ')} {expression}".strip()


def _model_constraint(raw: Any, line: int | None, props: NodeProps,
                      relation_of: Callable[[tuple[str, ...]], str | None]) -> str | None:
    """One model-level constraint as DDL (named when it has a `name`)."""
    constraint = _constraint(raw, line, props)
    kind, expression = constraint["type"], str(constraint.get("expression") or "")
    prefix = f"constraint {quote_ident(str(constraint['name']))} " if constraint.get(
        "name") else ""
    columns = constraint.get("columns") or []
    columns = [columns] if isinstance(columns, str) else list(columns)
    listed = ", ".join(quote_ident(str(c)) for c in columns)
    if kind in ("unique", "primary_key", "foreign_key") and not columns:
        raise _fail(f"a model-level {kind} constraint needs `columns:`", props, line)
    if kind == "check":
        return f"{prefix}check ({expression})" if expression else None
    if kind in ("unique", "primary_key"):
        extra = f" {expression}" if expression else ""
        return f"{prefix}{kind.replace('_', ' ')}{extra} ({listed})"
    if kind == "foreign_key":
        target = _target(constraint, line, props, relation_of)
        return f"{prefix}foreign key ({listed}) {target}" if target else None
    return f"{prefix}{expression}" if expression else None


def _check_primary_keys(props: NodeProps, name: str) -> None:
    """dbt's rule: one primary key, on one column or at the model level, not both."""
    keyed = [(c.name, line or c.line) for c in props.columns for line, raw in c.constraints
             if isinstance(raw, Mapping) and raw.get("type") == "primary_key"]
    model_keyed = [line for line, raw in props.constraints
                   if isinstance(raw, Mapping) and raw.get("type") == "primary_key"]
    if len(keyed) > 1:
        raise _fail(f"model {name!r}: {len(keyed)} columns have a primary_key constraint "
                    f"({', '.join(n for n, _ in keyed)})", props, keyed[1][1],
                    hint="a primary key over several columns is a model-level constraint "
                         "with `columns:`")
    if keyed and model_keyed:
        raise _fail(f"model {name!r} has a primary key on column {keyed[0][0]!r} and one at "
                    "the model level", props, model_keyed[0],
                    hint="keep one of them")


# ---------------------------------------------------------------------------
# At run time: the database's findings, worded where the user fixes them
# ---------------------------------------------------------------------------

def mismatch_error(node: ModelNode, expected: Sequence[tuple[str, str]],
                   actual: Sequence[tuple[str, str]]) -> ProjectError:
    """The error for a query whose columns break the contract: each difference named,
    located at the first one's YAML column (or the model file, for a column the
    contract lacks), and both sides listed."""
    contract = node.contract
    assert contract is not None
    declared = dict(expected)
    given = dict(actual)
    lines = {c.name: c.line for c in contract.columns}
    problems: list[tuple[int | None, str]] = []
    for name, kind in expected:
        if name not in given:
            problems.append((lines.get(name), f"column {name!r} ({kind}) is in the contract "
                                              "but not in the query"))
        elif given[name] != kind:
            problems.append((lines.get(name), f"column {name!r}: the contract says {kind}, "
                                              f"the query gives {given[name]}"))
    for name, kind in actual:
        if name not in declared:
            problems.append((None, f"column {name!r} ({kind}) is in the query but not in "
                                   "the contract"))
    if not problems:  # the same names and types, one side with a column twice
        problems.append((None, f"the contract lists {len(expected)} columns, the query "
                               f"gives {len(actual)}"))
    line = problems[0][0]
    snippets = {c.line: c.snippet for c in contract.columns}
    listing = "\n".join(f"  - {text}" for _, text in problems)
    message = (f"model {node.name!r} breaks its enforced contract; nothing of it was "
               f"built:\n{listing}\n  contract: {_columns(expected)}\n"
               f"  query:    {_columns(actual)}")
    if line is None:
        return ProjectError(message, path=node.path, **_written_in(node, problems))
    return ProjectError(message, path=contract.path, line=line, snippet=snippets.get(line))


def _written_in(node: ModelNode, problems: Sequence[tuple[int | None, str]]
                ) -> dict[str, Any]:
    """The line of the model's file that writes the first column the contract lacks."""
    found = re.search(r"column '([^']+)'", problems[0][1])
    if found:
        at = re.search(rf"(?<![\w.]){re.escape(found.group(1))}(?![\w])", node.template)
        if at:
            line = node.template.count("\n", 0, at.start()) + 1
            return {"line": line, "snippet": caret_snippet(node.template, line, None)}
    return {}


def _columns(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns) or "(none)"


def type_error(node: ModelNode, index: int, message: str) -> ProjectError:
    """The error for a contract column whose data_type the database does not know."""
    contract = node.contract
    assert contract is not None
    column = contract.columns[index]
    return ProjectError(f"data_type {column.data_type!r} of column {column.name!r} (model "
                        f"{node.name!r}): {message}", path=contract.path, line=column.line,
                        snippet=column.snippet)


def violation_line(node: ModelNode, message: str) -> int | None:
    """The YAML line of the contract column a constraint error names, if one does."""
    if node.contract is None or "constraint" not in message.lower():
        return None
    for column in node.contract.columns:
        if re.search(rf"(?<![\w]){re.escape(column.name)}(?![\w])", message):
            return column.line
    return None


def schema_change_error(node: ModelNode, added: Sequence[tuple[str, str]],
                        removed: Sequence[str], retyped: Sequence[tuple[str, str, str]]
                        ) -> ProjectError:
    """on_schema_change='fail' and the columns changed: which, in the model's file (at its
    config() when it sets on_schema_change there)."""
    from warehouse.compile.config_origin import sql_config_position

    parts = [f"added {name} ({kind})" for name, kind in added]
    parts += [f"removed {name}" for name in removed]
    parts += [f"{name} changed from {old} to {new}" for name, old, new in retyped]
    where = sql_config_position(node.template, "on_schema_change") or {}
    return ProjectError(
        f"the columns of incremental model {node.name!r} changed and its on_schema_change "
        f"is 'fail': {'; '.join(parts)}; the table was left as it was", path=node.path,
        **where, hint="set on_schema_change to 'append_new_columns' or 'sync_all_columns', "
                      "or rebuild the table with --full-refresh")


def build_failure(node: ModelNode, exc: BaseException) -> str | None:
    """The located message for a model's contract or schema-change failure (the adapter's
    ContractMismatch, ContractTypeError, SchemaChanged, or a constraint the database says
    a row broke); None for any other error."""
    from warehouse.adapters.base import ContractMismatch, ContractTypeError, SchemaChanged

    if isinstance(exc, ContractMismatch):
        return str(mismatch_error(node, exc.expected, exc.actual))
    if isinstance(exc, ContractTypeError):
        return str(type_error(node, exc.index, str(exc)))
    if isinstance(exc, SchemaChanged):
        return str(schema_change_error(node, exc.added, exc.removed, exc.retyped))
    line = violation_line(node, str(exc))
    if line is not None and node.contract is not None:
        first = str(exc).strip().splitlines()[0]
        snippet = next((c.snippet for c in node.contract.columns if c.line == line), None)
        return str(ProjectError(f"a row of model {node.name!r} breaks a constraint of its "
                                f"contract; nothing of it was built: {first}",
                                path=node.contract.path, line=line, snippet=snippet))
    return None
