"""What a person reads when a unit test fails: the rows that differ, and how.

The expected and actual rows are compared as multisets on the columns the
test's `expect:` names (as dbt does: order does not matter, a row expected
twice must be there twice). A failure lists the rows expected but missing,
then the rows present but unexpected, each as a small table, and then, for
each missing row, the unexpected row closest to it (most columns equal),
column by column: `value_low: expected 95, got 90`. That last part is what
usually tells which computation broke.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warehouse.run.testrun import format_cell, format_table

ROWS_SHOWN = 20  # of each kind; the count says how many more
TABLE_COLUMNS = 8  # wider rows are shown as `column: value` blocks
KEY_COLUMNS = 3  # equal columns named to say which row a pair is


@dataclass(frozen=True)
class Diff:
    """The comparison of a unit test's rows: what is missing and what is unexpected."""

    columns: tuple[str, ...]
    expected: int
    actual: int
    missing: tuple[tuple[Any, ...], ...]
    unexpected: tuple[tuple[Any, ...], ...]

    @property
    def equal(self) -> bool:
        return not self.missing and not self.unexpected

    @property
    def summary(self) -> str:
        parts = []
        if self.missing:
            parts.append(_count(len(self.missing), "expected row") + " missing")
        if self.unexpected:
            parts.append(_count(len(self.unexpected), "unexpected row"))
        return ", ".join(parts) or "the rows are as expected"


def compare(columns: Sequence[str], expected: Sequence[Sequence[Any]],
            actual: Sequence[Sequence[Any]]) -> Diff:
    """Rows as multisets: a missing row is expected more often than it is there."""
    wanted = Counter(freeze(row) for row in expected)
    found = Counter(freeze(row) for row in actual)
    missing = [row for row in dict.fromkeys(freeze(r) for r in expected)
               for _ in range(wanted[row] - found.get(row, 0))]
    unexpected = sorted((found - wanted).elements(), key=_order)
    return Diff(tuple(columns), len(expected), len(actual), tuple(missing), tuple(unexpected))


def freeze(value: Any) -> Any:
    """A value that can be counted: lists and structs of the database as tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    return value


def _order(row: tuple[Any, ...]) -> tuple[tuple[int, str], ...]:
    """A stable order for rows the database returned in any order (NULL first)."""
    return tuple((v is not None, str(v)) for v in row)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def diff_lines(diff: Diff) -> list[str]:
    """The diff as text lines (without indentation of its own)."""
    cols = ", ".join(diff.columns)
    lines = [f"compared as multisets on {_count(len(diff.columns), 'column')} ({cols}): "
             f"{_count(diff.expected, 'row')} expected, {_count(diff.actual, 'row')} returned"]
    for title, rows in (("expected but missing", diff.missing),
                        ("present but unexpected", diff.unexpected)):
        if rows:
            lines.append(f"{title} ({len(rows)}):")
            lines += ["  " + line for line in _rows(diff.columns, rows[:ROWS_SHOWN])]
            if len(rows) > ROWS_SHOWN:
                lines.append(f"  ... and {len(rows) - ROWS_SHOWN} more")
    pairs = closest_pairs(diff.columns, diff.missing, diff.unexpected)
    if pairs:
        lines.append("column by column (each missing row beside the closest unexpected one):")
        lines += ["  " + describe_pair(diff.columns, want, got) for want, got in pairs]
    return lines


def _rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    if len(columns) <= TABLE_COLUMNS:
        return format_table(columns, rows)
    out = []
    width = min(max(len(c) for c in columns), 24)
    for number, row in enumerate(rows, 1):
        out.append(f"row {number}:")
        out += [f"  {c + ':':<{width + 1}} {format_cell(v)}" for c, v in zip(columns, row,
                                                                             strict=True)]
    return out


def closest_pairs(columns: Sequence[str], missing: Sequence[tuple[Any, ...]],
                  unexpected: Sequence[tuple[Any, ...]]
                  ) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """Each missing row with the unexpected row that has the most equal columns (at least
    one), each unexpected row used once; in the order of the missing rows."""
    free = list(unexpected)
    pairs = []
    for want in missing[:ROWS_SHOWN]:
        scored = [(sum(a == b for a, b in zip(want, got, strict=True)), -i, got)
                  for i, got in enumerate(free)]
        if not scored:
            break
        same, _, got = max(scored, key=lambda s: (s[0], s[1]))
        if same == 0 or len(columns) == 1:
            continue
        free.remove(got)
        pairs.append((want, got))
    return pairs


def describe_pair(columns: Sequence[str], want: Sequence[Any], got: Sequence[Any]) -> str:
    """`figure_id=f1: value_low expected 95, got 90; value_high expected 105, got 110`."""
    same = [f"{c}={format_cell(w, 30)}" for c, w, g in zip(columns, want, got, strict=True)
            if w == g]
    differ = [f"{c} expected {format_cell(w, 40)}, got {format_cell(g, 40)}"
              for c, w, g in zip(columns, want, got, strict=True) if w != g]
    key = ", ".join(same[:KEY_COLUMNS]) + (", ..." if len(same) > KEY_COLUMNS else "")
    return f"{key}: " + "; ".join(differ)
