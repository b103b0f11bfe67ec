"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The JSON artifacts, the parse cache, the lineage cache and the state stamp
are all read by other processes (or by the next run) while a run may be
writing them, so every one of them is written here, the same way.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomic(path: Path, data: bytes) -> None:
    """A temp file beside `path`, then a rename: a reader sees the old file or the new one,
    never half of one. The temp file is removed if the write fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """`data` as compact JSON: json.dumps with no indent uses the C encoder, ten times
    faster than json.dump to a file with indentation (a no-op build writes two files)."""
    write_atomic(path, json.dumps(data, sort_keys=False, default=str).encode("utf-8"))
