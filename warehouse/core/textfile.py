"""Reading a project's text files: the one place a file's bytes become text.

Every file a user writes (models, macros, property YAML, docs, tests, the
project's configuration, profiles) is read here, so that a byte that is not
UTF-8, a file that vanished or a folder where a file was expected is a
`ProjectError` naming the file, line and column, never a Python traceback.
A UTF-8 byte-order mark is dropped, as editors on Windows write one.
"""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.core.errors import ProjectError, caret_snippet


def read_text(path: Path | str, shown: str | None = None) -> str:
    """The file's text; `shown` is how errors name it (the project-relative path)."""
    shown = shown or str(path)
    try:
        data = _read_bytes(path)
    except IsADirectoryError:
        raise ProjectError("is a folder, where a file was expected", path=shown) from None
    except FileNotFoundError:
        raise ProjectError("the file does not exist (was it moved or deleted?)",
                           path=shown) from None
    except OSError as exc:
        raise ProjectError(f"cannot read the file: {exc.strerror or exc}", path=shown) from None
    return decode(data, shown)


def _read_bytes(path: Path | str) -> bytes:
    """The file's bytes with os-level calls: `open()` builds a buffered file object, a
    fifth of a millisecond per file, and a load reads thousands of small files."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = []
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
    finally:
        os.close(fd)
    return b"".join(parts)


def decode(data: bytes, shown: str) -> str:
    """UTF-8 text (a byte-order mark dropped), or an error at the first byte that is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", "replace")) + 1
        raise ProjectError(f"not UTF-8: byte 0x{data[start]:02x} cannot be read as text",
                           path=shown, line=line, column=column,
                           snippet=caret_snippet(data.decode("utf-8", "replace"), line, column),
                           hint="save the file as UTF-8 (most editors have an encoding "
                                "option in their save dialog)") from None
