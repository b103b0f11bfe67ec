"""Where a seed CSV goes wrong, as a person opens the file: physical line and column.

Only the seed loader's slow path comes here, after DuckDB's reader has
failed; Python's csv module walks the file so that a record number becomes
the line (quoted multi-line fields and CRLF included) and the field a column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError


def records(path: Path, delimiter: str, shown: str) -> Iterator[tuple[int, list[str], str]]:
    """(first physical line, fields, raw text) of each record, header included.

    The raw text is collected from the lines the csv module pulls, which it
    does one at a time, so a quoted field spanning lines is one record whose
    raw text holds all its lines.
    """
    raw: list[str] = []
    with open(path, encoding="utf-8-sig", newline="") as f:

        def lines() -> Iterator[str]:
            for line in f:
                raw.append(line)
                yield line

        # strict: a quote left open or text after a closing quote is an error, as in DuckDB.
        reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True,
                            strict=True)
        start = 1
        try:
            for fields in reader:
                yield start, fields, "".join(raw)
                start = reader.line_num + 1
                raw.clear()
        except UnicodeDecodeError:
            from warehouse.core.textfile import decode

            decode(path.read_bytes(), shown)  # raises, at the line and column of the byte
            raise
        except csv.Error as e:
            first = "".join(raw).splitlines()[0] if raw else ""
            raise ProjectError(f"malformed CSV in the record starting at line {start}: {e}",
                               path=shown, line=start, snippet=snippet(start, first),
                               hint='a quoted field must end with a quote followed by the '
                                    'delimiter or a line break; write a quote inside one as ""'
                               ) from None


def check_structure(path: Path, width: int, delimiter: str, shown: str) -> None:
    """Every record has as many fields as the header: the error DuckDB words least clearly."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 1 << 30))
    try:
        header_seen = False
        for start, fields, raw in records(path, delimiter, shown):
            if not fields:
                continue  # blank line: DuckDB skips it too
            if not header_seen:
                header_seen = True
                continue
            if len(fields) != width:
                first = raw.splitlines()[0] if raw else ""
                raise ProjectError(
                    f"this record has {len(fields)} fields, the header has {width}",
                    path=shown, line=start,
                    snippet=snippet(start, first),
                    hint="quote values that contain the delimiter or a line break")
    finally:
        csv.field_size_limit(old_limit)


_SCANNED_FOR_EXTRA_FIELDS = 16 << 20


def check_what_duckdb_accepts(path: Path, width: int, delimiter: str, shown: str) -> None:
    """Two defects DuckDB's reader loads without a word: a NUL byte (binary data, or a
    file saved as UTF-16), kept inside a value; and a record ending in an extra
    delimiter, one field more than the header, whose last field is dropped. A byte scan
    finds either in milliseconds; only a file that has a line ending in the delimiter
    is walked record by record (`check_structure`) to tell an extra field from an empty
    last one. The second scan stops at 16 MiB: hand-written seeds are far smaller, and on
    a generated file of millions of rows it would cost a tenth of the load (an empty
    last field dropped loses no value)."""
    import mmap

    with open(path, "rb") as handle:
        try:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file: the header check has said so
            return
        with data:
            nul = data.find(b"\x00")
            if nul != -1:
                line = data[:nul].count(b"\n") + 1
                line_start = data.rfind(b"\n", 0, nul) + 1
                text = data[line_start:nul].decode("utf-8", "replace")
                raise ProjectError("a NUL byte (0x00) in the file: binary data, or a file "
                                   "saved as UTF-16?", path=shown, line=line,
                                   column=len(text) + 1,
                                   snippet=snippet(line, text + "\\0", len(text) + 1),
                                   hint="save the file as UTF-8 text")
            end = delimiter.encode()
            if len(data) > _SCANNED_FOR_EXTRA_FIELDS or (
                    data.find(end + b"\n") == -1 and data.find(end + b"\r") == -1
                    and not data[-len(end):] == end):
                return
    check_structure(path, width, delimiter, shown)


def bad_value(path: Path, delimiter: str, shown: str, row: int, c: Any,
               value: str) -> ProjectError:
    """The error for record `row` (0-based, header and blank lines not counted)."""
    line, column, text = None, None, ""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 1 << 30))
    try:
        n = -1
        for start, fields, raw in records(path, delimiter, shown):
            if fields:
                n += 1
            if n == row + 1:
                line, column, text = locate_field(raw, start, c.index - 1, delimiter)
                break
    finally:
        csv.field_size_limit(old_limit)
    return ProjectError(
        f"column {c.index} ({c.name!r}): value {value!r} is not a valid {c.type}",
        path=shown, line=line, column=column,
        snippet=snippet(line, text, column, len(value)) if line else None,
        hint=f"column_types declares {c.name!r} as {c.type}; fix the value or the type")


def locate_field(raw: str, start_line: int, k: int, delimiter: str) -> tuple[int, int, str]:
    """Physical line, 1-based character column and that line's text for field `k` of a record."""
    starts = [0]
    quoted = False
    i = 0
    while i < len(raw) and len(starts) <= k:
        ch = raw[i]
        if quoted:
            if ch == '"':
                if raw.startswith('"', i + 1):
                    i += 1
                else:
                    quoted = False
        elif ch == '"' and i == starts[-1]:
            quoted = True
        elif ch == delimiter:
            starts.append(i + 1)
        i += 1
    offset = starts[min(k, len(starts) - 1)]
    line_start = max(raw.rfind("\n", 0, offset), raw.rfind("\r", 0, offset)) + 1
    line_end = len(raw)
    for stop in ("\r", "\n"):
        pos = raw.find(stop, offset)
        if pos != -1:
            line_end = min(line_end, pos)
    line = start_line + len(re.findall(r"\r\n|\r|\n", raw[:offset]))
    return line, offset - line_start + 1, raw[line_start:line_end]


def snippet(line: int, text: str, column: int | None = None, width: int = 1) -> str:
    """Like errors.caret_snippet, for one line whose neighbours we did not keep."""
    gutter = f"{line:>5} | "
    out = [gutter + text]
    if column is not None:
        out.append(" " * (len(gutter) + column - 1) + "^" * max(1, width))
    return "\n".join(out)


def duckdb_error(shown: str, error: Exception) -> ProjectError:
    """DuckDB's own words when our diagnosis finds nothing more precise."""
    text = str(error)
    match = re.search(r"Line: (\d+)", text)
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return ProjectError(f"DuckDB could not load this seed: {first}", path=shown,
                        line=int(match.group(1)) if match else None)
