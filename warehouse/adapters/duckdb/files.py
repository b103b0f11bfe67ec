"""File helpers of the work copy (workcopy.py): sidecar names, removal, moves, sizes, free
space, and the words of an OS or DuckDB error."""

from __future__ import annotations

import errno
import math
import os
import re
import shutil
from pathlib import Path

# How DuckDB words a refused write: `Could not write file "<path>": <strerror>`.
WRITE_ERROR = re.compile(r'Could not write file "[^"]*": ([^"\n]+)')


def sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_family(path: Path) -> list[str]:
    """Remove `path` and the files named `<path>.*` beside it (DuckDB's WAL, spill folder)."""
    with os.scandir(path.parent) as entries:
        names = sorted(e.name for e in entries
                       if e.name == path.name or e.name.startswith(path.name + "."))
    for name in names:
        remove_path(path.parent / name)
    return names


def move(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        shutil.move(src, dst)  # target/ on another file system than the database


def size_of(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def free_space(folder: Path) -> int | None:
    """Bytes free for this user in `folder`'s file system (None when it cannot be read)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def human(size: int | None) -> str:
    if size is None:
        return "an unknown amount"
    power = min(4, int(math.log(max(size, 1), 1024)))
    return f"{size} bytes" if power == 0 else f"{size / 1024 ** power:.1f} {'KMGT'[power - 1]}B"


def error_words(exc: BaseException) -> str:
    """An OSError's text, the OS's text inside a DuckDB error, else its first line."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    found = WRITE_ERROR.search(str(exc))
    return found.group(1).strip() if found else (str(exc).strip() or repr(exc)).splitlines()[0]


def same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def open_in_this_process(path: Path) -> bool:
    """Whether this process still has `path` open (Linux /proc; elsewhere: unknown, False):
    an open connection would go on writing to what readers now see as published."""
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return False
    target = os.path.realpath(path)
    for entry in fd_dir.iterdir():
        try:
            if os.readlink(entry) == target:
                return True
        except OSError:
            continue
    return False
