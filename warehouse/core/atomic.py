"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The JSON artifacts, the parse cache, the lineage cache and the state stamp
are all read by other processes (or by the next run) while a run may be
writing them, so every one of them is written here, the same way.

A run killed between the temp file and the rename leaves the temp file
behind; the next write of the same file removes it once it is old enough to
be certainly dead (`remove_stale_temps`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

# A temp file untouched this long belongs to no live writer (see remove_stale_temps).
STALE_AFTER = 10 * 60  # seconds


def write_atomic(path: Path, data: bytes) -> None:
    """`data` into `path` through `atomic_file`."""
    with atomic_file(path) as out:
        out.write(data)


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A temp file beside `path` to write, then a rename: a reader sees the old file or
    the new one, never half of one. The temp file is removed if the block raises (and
    `path` left as it was)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temps(path: Path, older_than: float = STALE_AFTER) -> list[str]:
    """Remove the temp files of `path` that killed writers left: `<name>XXXXXXXX.tmp`, as
    `mkstemp` names them, last modified more than `older_than` seconds ago. Best effort.

    By age, not by a lock: a live writer's temp file lives for one write() and a rename,
    and its modification time moves while it is written, so one untouched for ten minutes
    has no live writer (short of a process stopped mid-write for that long, whose rename
    would then fail). A lock would cost a lock file and a flock on every write of every
    run, and a killed writer would leave its lock file behind in turn. Only this target's
    own temp files match, never another file's nor one of another program."""
    pattern = re.compile(re.escape(path.name) + r"[a-z0-9_]{8}\.tmp")
    cutoff = time.time() - older_than
    try:
        with os.scandir(path.parent) as entries:
            candidates = [entry for entry in entries if pattern.fullmatch(entry.name)]
    except OSError:
        return []
    removed = []
    for entry in candidates:
        try:
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue  # gone already (another run swept it), or not ours to remove
    return removed


def write_json(path: Path, data: Any) -> None:
    """`data` as compact JSON: json.dumps with no indent uses the C encoder, ten times
    faster than json.dump to a file with indentation (a no-op build writes two files)."""
    write_atomic(path, json.dumps(data, sort_keys=False, default=str).encode("utf-8"))


def fsync_file(path: Path) -> None:
    """Flush `path` to the disk: before a rename publishes it, so a power cut cannot leave
    the new name on a file whose blocks were never written (and a full disk says so here)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename itself durable: without it a power cut can bring the old name back."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(fd)
