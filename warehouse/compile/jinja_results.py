"""What `run_query` and `load_result` give a template: a small, read-only agate-like table.

dbt hands templates an `agate.Table`; the usage that matters in projects and
packages is narrow (`table.rows`, `table.columns[0].values()`,
`table.column_names`, iterating rows, `row['name']`, `load_result(x)['data']`),
so this is that much, over the rows a query returned, without agate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


class Row(Sequence[Any]):
    """One row: by position (`row[0]`), by column name (`row['id']`), or as a mapping."""

    def __init__(self, names: tuple[str, ...], values: tuple[Any, ...]) -> None:
        self._names = names
        self._values = values

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._names.index(key)]
            except ValueError:
                raise KeyError(key) from None
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> tuple[str, ...]:
        return self._names

    def values(self) -> tuple[Any, ...]:
        return self._values

    def items(self) -> list[tuple[str, Any]]:
        return list(zip(self._names, self._values, strict=True))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._names else default

    def dict(self) -> dict[str, Any]:
        return dict(self.items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._values == other._values
        return isinstance(other, (tuple, list)) and tuple(other) == self._values

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Row {self._values!r}>"


class Column(Sequence[Any]):
    """One column's values: `column.values()`, `column.name`, or by position."""

    def __init__(self, name: str, values: tuple[Any, ...]) -> None:
        self.name = name
        self._values = values

    def values(self) -> tuple[Any, ...]:
        return self._values

    def values_distinct(self) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(self._values))

    def __getitem__(self, index: Any) -> Any:
        return self._values[index]

    def __len__(self) -> int:
        return len(self._values)


class _Columns(Sequence[Column]):
    def __init__(self, columns: tuple[Column, ...]) -> None:
        self._columns = columns

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            for column in self._columns:
                if column.name == key:
                    return column
            raise KeyError(key)
        return self._columns[key]

    def __len__(self) -> int:
        return len(self._columns)

    def keys(self) -> tuple[str, ...]:
        return tuple(c.name for c in self._columns)


class Table:
    """A query's result: `rows`, `columns`, `column_names`; iterating gives the rows."""

    def __init__(self, column_names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.column_names = tuple(column_names)
        self.rows = tuple(Row(self.column_names, tuple(r)) for r in rows)
        self.columns = _Columns(tuple(
            Column(name, tuple(r[i] for r in rows)) for i, name in enumerate(self.column_names)))

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return True  # an agate table is true even when empty, as `if results` tests in dbt

    def __repr__(self) -> str:
        return f"<Table {len(self.rows)} rows: {', '.join(self.column_names)}>"


@dataclass(frozen=True)
class Response:
    """dbt's AdapterResponse: what a statement did."""

    _message: str = "OK"
    code: str = "OK"
    rows_affected: int | None = None

    def __str__(self) -> str:
        return self._message


def stored_result(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """What `load_result(name)` returns after `statement(name, fetch_result=True)`."""
    table = Table(columns, rows)
    return {"response": Response(rows_affected=len(rows)), "table": table,
            "data": [list(r) for r in rows]}
