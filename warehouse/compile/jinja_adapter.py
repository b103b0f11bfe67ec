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

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from warehouse.compile.jinja_context import COLUMNS, Context
from warehouse.core.identity import Relation, quote_ident


@dataclass(frozen=True)
class TemplateRelation:
    """dbt's Relation: `database`, `schema`, `identifier`, `type`, and its quoted SQL."""

    database: str | None = None
    schema: str | None = None
    identifier: str | None = None
    type: str | None = None
    own_database: str | None = None  # the target's: not written out

    @property
    def name(self) -> str | None:
        return self.identifier

    table = name

    @property
    def is_table(self) -> bool:
        return self.type == "table"

    @property
    def is_view(self) -> bool:
        return self.type == "view"

    @property
    def is_cte(self) -> bool:
        return self.type == "cte"

    def render(self) -> str:
        parts = [self.schema, self.identifier]
        if self.database and (self.own_database is None
                              or self.database.lower() != self.own_database.lower()):
            parts.insert(0, self.database)
        return ".".join(quote_ident(p) for p in parts if p)

    def __str__(self) -> str:
        return self.render()

    def include(self, database: bool = True, schema: bool = True,
                identifier: bool = True) -> TemplateRelation:
        return replace(self, database=self.database if database else None,
                       schema=self.schema if schema else None,
                       identifier=self.identifier if identifier else None)

    def without_identifier(self) -> TemplateRelation:
        return self.include(identifier=False)

    def incorporate(self, path: Mapping[str, Any] | None = None, type: str | None = None,
                    **_ignored: Any) -> TemplateRelation:
        path = path or {}
        return replace(self, database=path.get("database", self.database),
                       schema=path.get("schema", self.schema),
                       identifier=path.get("identifier", self.identifier),
                       type=type or self.type)

    def quote(self, *_args: Any, **_kwargs: Any) -> TemplateRelation:
        return self  # always quoted, as the engine names relations


def relation_class(target: Mapping[str, Any]) -> Any:
    """`api.Relation`: `create(database=, schema=, identifier=, type=)`."""
    own = target.get("database")

    class RelationApi:
        @staticmethod
        def create(database: Any = None, schema: Any = None, identifier: Any = None,
                   type: Any = None, **_ignored: Any) -> TemplateRelation:
            return TemplateRelation(database, schema, identifier, type, own)

    return RelationApi


_STRING_TYPES = ("text", "character varying", "character", "varchar")
_INTEGER_TYPES = ("tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint",
                  "usmallint", "uinteger", "ubigint", "int1", "int2", "int4", "int8", "short",
                  "int", "signed", "long")
_FLOAT_TYPES = ("real", "float", "float4", "float8", "double", "double precision")


@dataclass(frozen=True)
class TemplateColumn:
    """dbt's Column as dbt-duckdb fills it from DESCRIBE: `name`/`column`, `dtype` (DuckDB's
    type), `data_type` (dbt's spelling: a string is `character varying(256)`), `quoted`."""

    column: str
    dtype: str
    char_size: int | None = None
    numeric_precision: Any = None
    numeric_scale: Any = None

    @property
    def name(self) -> str:
        return self.column

    @property
    def quoted(self) -> str:
        return f'"{self.column}"'

    @property
    def data_type(self) -> str:
        if self.is_string():
            return self.string_type(self.string_size())
        if self.is_numeric():
            return self.numeric_type(self.dtype, self.numeric_precision, self.numeric_scale)
        return self.dtype

    def is_string(self) -> bool:
        return self.dtype.lower() in _STRING_TYPES

    def is_integer(self) -> bool:
        return self.dtype.lower() in _INTEGER_TYPES

    def is_float(self) -> bool:
        return self.dtype.lower() in _FLOAT_TYPES

    def is_numeric(self) -> bool:
        return self.dtype.lower() in ("numeric", "decimal")

    def is_number(self) -> bool:
        return self.is_integer() or self.is_float() or self.is_numeric()

    def string_size(self) -> int:
        return 256 if self.dtype.lower() == "text" or self.char_size is None else self.char_size

    def literal(self, value: Any) -> str:
        return f"{value}::{self.data_type}"

    @classmethod
    def translate_type(cls, dtype: str) -> str:
        from warehouse.dbt.crossdb import translate_type

        return translate_type(dtype)

    @classmethod
    def numeric_type(cls, dtype: str, precision: Any, scale: Any) -> str:
        from warehouse.dbt.crossdb import numeric_type

        return numeric_type(dtype, precision, scale)

    @classmethod
    def string_type(cls, size: int) -> str:
        return f"character varying({size})"

    @classmethod
    def create(cls, name: str, label_or_dtype: str) -> TemplateColumn:
        return cls(name, cls.translate_type(label_or_dtype))

    def __repr__(self) -> str:
        return f"<Column {self.column} ({self.data_type})>"


class JinjaAdapter:
    """`adapter` in templates."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.Relation = relation_class(context.target)
        self.Column = TemplateColumn

    def type(self) -> str:
        return "duckdb"

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
        kind = runtime.session.relation_kind(Relation(str(schema), str(identifier)))
        if kind is None:
            return None
        return TemplateRelation(database, str(schema), str(identifier), kind,
                                self._context.target.get("database"))

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
