"""`adapter` and `api` in templates: relations, columns and the catalog, as dbt-duckdb has them.

(Created by helper H3 of issue 12 for the catalog methods; H2 adds
`adapter.dispatch` here, on the same `JinjaAdapter` object.)

`adapter.get_relation(...)` and `adapter.get_columns_in_relation(...)` read
the build's database. At load there is none: they answer as dbt does at
parse time (no relation, no columns) and mark the render, which runs again
at run time (see `warehouse.compile.jinja_context`). The relations they ask
about are recorded: a node that only reads the columns of its own parents is
still skipped when they are unchanged.

A relation renders as the engine names it, `"schema"."name"`: the engine
builds into the one database of its profile, so the database part is left out
when it is that database (the build works in a copy of the file, whose catalog
name is not the published one's).
"""

from __future__ import annotations

from typing import Any

from warehouse.compile.jinja_context import COLUMNS, Context
from warehouse.compile.jinja_relation import TemplateColumn, TemplateRelation, relation_class
from warehouse.core.identity import Relation, quote_ident

__all__ = ["JinjaAdapter", "TemplateColumn", "TemplateRelation", "relation_class"]


class JinjaAdapter:
    """`adapter` in templates."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.Relation = relation_class(context.target)
        self.Column = TemplateColumn

    def type(self) -> str:
        return "duckdb"

    # The renderer's MacroLibrary.dispatch (warehouse.compile.macro_library): it knows the
    # packages, the root project's `dispatch:` orders and the node rendering now.
    dispatcher: Any = None

    def dispatch(self, macro_name: Any, macro_namespace: Any = None,
                 packages: Any = None) -> Any:
        """dbt's `adapter.dispatch(name, namespace)`: the macro `duckdb__<name>`, else
        `default__<name>`, of the first package in the search order that defines one."""
        return self.dispatcher(macro_name, macro_namespace, packages)

    def quote(self, identifier: Any) -> str:
        return f'"{identifier}"'

    def quote_as_configured(self, identifier: Any, quote_key: Any = None) -> str:
        return self.quote(identifier)

    def get_relation(self, database: Any = None, schema: Any = None,
                     identifier: Any = None) -> TemplateRelation | None:
        """The relation if the build's database holds it (None at load, as at dbt's parse)."""
        runtime = self._context.touch(COLUMNS)
        if runtime is None or not schema or not identifier:
            return None
        runtime.seen.append((str(schema).lower(), str(identifier).lower()))
        kind = self._kind(runtime, str(schema), str(identifier))
        if kind is None:
            return None
        return TemplateRelation(database, str(schema), str(identifier), kind,
                                self._context.target.get("database"))

    def load_relation(self, relation: Any) -> TemplateRelation | None:
        """`adapter.load_relation(relation)`: get_relation of the relation's parts."""
        return self.get_relation(getattr(relation, "database", None),
                                 getattr(relation, "schema", None),
                                 getattr(relation, "identifier", None)
                                 or getattr(relation, "name", None))

    def get_columns_in_relation(self, relation: Any) -> list[TemplateColumn]:
        """Its columns in order (none at load, or when it does not exist), as dbt-duckdb
        reads them with DESCRIBE."""
        runtime = self._context.touch(COLUMNS)
        schema = getattr(relation, "schema", None)
        name = getattr(relation, "identifier", None) or getattr(relation, "name", None)
        if runtime is None or not schema or not name:
            return []
        runtime.seen.append((str(schema).lower(), str(name).lower()))
        found = runtime.session.columns_of(Relation(str(schema), str(name)))
        return [TemplateColumn(column, dtype) for column, dtype in found or ()]

    def execute(self, sql: Any, auto_begin: bool = False, fetch: bool = False) -> Any:
        from warehouse.compile.jinja_results import Response, Table

        if self._context.touch("query") is None:
            return Response(), Table((), ())
        columns, rows = self._context.query(sql, "adapter.execute")
        return Response(rows_affected=len(rows)), Table(columns, rows if fetch else [])

    def already_exists(self, schema: Any, name: Any) -> bool:
        return self.get_relation(None, schema, name) is not None

    def check_schema_exists(self, database: Any, schema: Any) -> bool:
        from warehouse.core.identity import sql_literal

        if self._context.touch(COLUMNS) is None:
            return False
        _columns, rows = self._context.query(
            "select count(*) from information_schema.schemata where lower(schema_name) = "
            f"lower({sql_literal(str(schema))})", "adapter.check_schema_exists")
        return bool(rows and rows[0][0])

    # ------------------------------------------------------------ schemas and relations
    # What a template may change in the build's database (dbt-duckdb's adapter methods).
    # At load there is no database: they do nothing, as a parse-time render must not.

    def create_schema(self, relation: Any) -> str:
        """`adapter.create_schema(relation)`: its schema, if it does not exist."""
        self._change("create schema if not exists {schema}", relation)
        return ""

    def drop_schema(self, relation: Any) -> str:
        """`adapter.drop_schema(relation)`: its schema and everything in it."""
        self._change("drop schema if exists {schema} cascade", relation)
        return ""

    def drop_relation(self, relation: Any) -> str:
        """`adapter.drop_relation(relation)`: the table or view, if it exists."""
        if self._context.touch("query") is None:
            return ""
        schema, name = getattr(relation, "schema", None), _name_of(relation)
        runtime = self._context.touch(COLUMNS)
        kind = self._kind(runtime, str(schema), str(name)) if schema and name else None
        if kind is not None:
            self._change(f"drop {kind} if exists {{schema}}.{quote_ident(str(name))} cascade",
                         relation)
        return ""

    def _change(self, template: str, relation: Any) -> None:
        if self._context.touch("query") is None:
            return
        schema = getattr(relation, "schema", None)
        if not schema:
            self._context.fail(f"adapter: {relation!r} names no schema")
        self._context.query(template.format(schema=quote_ident(str(schema))), "adapter")

    @staticmethod
    def _kind(runtime: Any, schema: str, name: str) -> str | None:
        """'table', 'view' or None, read from the database now: a template's own statements
        (run_query, drop_schema) may have changed it since the run's catalog was read."""
        from warehouse.core.identity import sql_literal

        _columns, rows = runtime.session.query(
            "select table_type from information_schema.tables where table_catalog = "
            f"current_database() and lower(table_schema) = lower({sql_literal(schema)}) "
            f"and lower(table_name) = lower({sql_literal(name)})")
        if not rows:
            return None
        return "view" if rows[0][0] == "VIEW" else "table"


def _name_of(relation: Any) -> Any:
    return getattr(relation, "identifier", None) or getattr(relation, "name", None)
