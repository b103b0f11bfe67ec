"""A warm load that reads no file: the files' stats stand for their text once they settled.

A cache hit used to read and hash every file the load reads (10,000 models: most
of a warm load). When every file under the folders a load reads has the size,
mtime and ctime it had at a load whose files had settled (none modified in the
two seconds before it started, so no edit can hide within the file system's
timestamp granularity: git's "racily clean" rule, as the no-op's stamp applies
it), with the same engine, configuration, vars and values of the environment
variables the templates read, that load's cache key stands. The record is a
small JSON file beside the parse cache (`parse_cache.STATS_NAME`), rewritten
whenever a load with settled files finds or makes the cache. Anything else and
the files are read and hashed as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SETTLED_NS = 2_000_000_000  # files older than this are taken by their stats


def stats_key(config: Any, vars: Mapping[str, Any], engine: str) -> tuple[str, bool]:
    """A digest of the load's inputs as their stats show them (size, mtime, ctime of every
    file under the folders a load reads: `files.file_stats`, as the no-op's stamp uses),
    with the engine, config and vars; and whether the files had settled (none modified in
    the last two seconds: an edit within the file system's timestamp granularity could
    keep its size and mtime). A load whose stats digest matches one written when the files
    had settled, with the same environment values, is the cached load without reading a
    file."""
    from warehouse import __version__
    from warehouse.compile.files import handed_stats, take_stats

    taken = handed_stats(config) or take_stats(config)  # (the no-op's check may have them)
    h = hashlib.sha256()
    for part in (engine, __version__, repr(config),
                 json.dumps(vars, sort_keys=True, default=repr), repr(taken.stats)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest(), taken.newest < taken.wall - SETTLED_NS


def read_stats(path: Path, format: str, quick: str) -> dict[str, Any] | None:
    """The last load's stats record (key, env_names) if its stats digest is `quick` and the
    environment variables templates read have the values they had."""
    try:
        with open(path, encoding="utf-8") as handle:
            seen = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(seen, dict) or seen.get("format") != format or seen.get("quick") != quick:
        return None
    names = seen.get("env_names")
    if seen.get("env") != environment(names) or not isinstance(seen.get("key"), str):
        return None
    seen["env_names"] = tuple(names) if names is not None else None
    return seen


def write_stats(path: Path, format: str, quick: str, key: str, names: Any) -> None:
    """Record that files with the stats digest `quick` are the load of cache key `key`."""
    from warehouse.core.atomic import write_atomic

    record = {"format": format, "quick": quick, "key": key,
              "env_names": list(names) if names is not None else None,
              "env": environment(names)}
    with contextlib.suppress(OSError):
        write_atomic(path, json.dumps(record).encode())


def environment(names: Any) -> str:
    """A digest of the named environment variables' values (None: all of them)."""
    chosen = sorted(os.environ.items()) if names is None else [
        (name, os.environ.get(name)) for name in names]
    return hashlib.sha256(json.dumps(chosen).encode()).hexdigest()
