"""`api.Relation` and `api.Column` in templates: relations and columns as dbt-duckdb has them.

Kept apart from `jinja_adapter` (the `adapter` object, which needs the render
context) so that the context can offer `api` without importing the adapter.
A relation renders as the engine names it, `"schema"."name"`; the database part
is left out when it is the profile's one database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from warehouse.core.identity import quote_ident


class RelationMapping:
    """dbt's Relation is also a mapping (its `to_dict()`): packages test `obj is mapping`
    and read `obj.get('metadata').type` to tell a relation from a string (dbt_utils'
    `_is_relation`). Mixed into every relation templates see; registered as a Mapping
    (not inherited: Mapping's `==` and hashing would change the classes' own)."""

    is_cte = False

    def render(self) -> str:
        return str(self)

    def _dbt_dict(self) -> dict[str, Any]:
        path = {"database": getattr(self, "database", None),
                "schema": getattr(self, "schema", None),
                "identifier": getattr(self, "identifier", None)}
        return {"path": path, "type": getattr(self, "type", None),
                "quote_policy": dict.fromkeys(path, True),
                "include_policy": dict.fromkeys(path, True),
                "metadata": {"type": "DuckDBRelation"}}

    def __getitem__(self, key: str) -> Any:
        return self._dbt_dict()[key]

    def __iter__(self) -> Any:
        return iter(self._dbt_dict())

    def __len__(self) -> int:
        return len(self._dbt_dict())

    def __contains__(self, key: object) -> bool:
        return key in self._dbt_dict()

    def get(self, key: str, default: Any = None) -> Any:
        return self._dbt_dict().get(key, default)

    def keys(self) -> Any:
        return self._dbt_dict().keys()

    def items(self) -> Any:
        return self._dbt_dict().items()

    def values(self) -> Any:
        return self._dbt_dict().values()


def as_mapping(cls: type) -> type:
    """Register a RelationMapping class as a Mapping (Jinja's `is mapping` test)."""
    Mapping.register(cls)
    return cls


@as_mapping
@dataclass(frozen=True)
class TemplateRelation(RelationMapping):
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
    def is_cte(self) -> bool:  # type: ignore[override]
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

        @staticmethod
        def add_ephemeral_prefix(name: Any) -> str:
            """dbt's name for an ephemeral model's CTE."""
            return f"__dbt__cte__{name}"

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
