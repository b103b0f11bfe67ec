"""Write-audit-publish on Spark: versioned physical tables behind published views.

Spark's session catalog has no transactions, cannot rename a database and
cannot move a table from one database to another, so a build cannot be
written aside and renamed in whole as the DuckDB file is. Instead:

- each project schema `s` is two Spark databases: `s` (published: what
  readers query) and `s__wh_data` (the physical tables);
- a build writes every table it builds as a new physical table
  `s__wh_data.name__wh_v<build>`, never touching a published name; the
  models after it read the new versions (transpile's `relocate`), the
  models it does not rebuild are read where they are published (no copy);
- publishing points each published name at its new version, one
  `create or replace view s.name ... as select * from <version>` each (a
  single metastore update: a reader sees the old rows or the new ones), the
  project's views are recreated over the published names, the stored state
  last; then the replaced versions are dropped.

A failed build drops its versions; a killed build leaves them, and the next
build (or `warehouse clean`) drops every version no published view points
to. The build lock (a file in warehouse_dir) says which build was running,
so only the relations that build wrote are checked.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError

DATA_SUFFIX = "__wh_data"
VERSION_MARK = "__wh_v"
VERSION_PROPERTY = "warehouse.version"


def data_database(database: str) -> str:
    return database + DATA_SUFFIX


def version_name(name: str, build: str) -> str:
    return f"{name.lower()}{VERSION_MARK}{build}"


def split_version(table: str) -> tuple[str, str] | None:
    """(relation name, build id) of a physical table's name, or None."""
    name, mark, build = table.lower().rpartition(VERSION_MARK)
    return (name, build) if mark and name and build else None


def new_build_id() -> str:
    """Sortable and unique a machine: milliseconds, then the process id (both hex)."""
    return f"{int(time.time() * 1000):x}{os.getpid():x}"


@dataclass(frozen=True)
class Version:
    """One physical relation in a data database."""

    database: str  # the data database
    table: str
    build: str
    is_view: bool  # a build's copy of a view model (never published as such)


class BuildLock:
    """The one build a warehouse_dir allows at a time: an flock on `build.lock`, whose
    text names the builds whose versions may be left unpublished: the one holding it,
    and any killed (or failed and kept) before it whose leftovers are not dropped yet."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "build.lock"
        self._fd: int | None = None
        self._left: list[str] = []

    def acquire(self, refusal: str, build: str = "") -> frozenset[str]:
        """Take the lock (a ProjectError `refusal (pid …)` when held); the ids of the
        builds that ended without cleaning up after themselves."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.read(fd, 4096))
            os.close(fd)
            raise ProjectError(f"{refusal} ({holder})", hint="wait for that build to finish, "
                               "or stop it, then run again") from None
        self._left = _holder_builds(os.read(fd, 4096))
        self._fd = fd
        self._write(self._left + ([build] if build else []), build)
        return frozenset(self._left)

    def cleaned(self, build: str = "") -> None:
        """What the earlier builds left is gone: only `build` (this one) may leave any."""
        self._left = []
        self._write([build] if build else [], build)

    def _write(self, builds: list[str], build: str) -> None:
        assert self._fd is not None
        holder = {"pid": os.getpid(), "since": time.strftime("%H:%M:%S"), "builds": builds}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(holder).encode() if build or builds else b"", 0)

    def release(self, *, finished: bool = True) -> None:
        """Let go; `finished`: this build left nothing behind (a killed build never gets
        here, a build that may have left versions passes False)."""
        if self._fd is None:
            return
        if finished:
            self._write(self._left, "")
        os.close(self._fd)
        self._fd = None


def _holder(text: bytes) -> str:
    try:
        data = json.loads(text or b"{}")
    except ValueError:
        data = {}
    return f"pid {data.get('pid', '?')}, since {data.get('since', '?')}"


def _holder_builds(text: bytes) -> list[str]:
    try:
        builds = json.loads(text or b"{}").get("builds") or []
    except (ValueError, AttributeError):
        return []
    return [str(b) for b in builds] if isinstance(builds, list) else []


def pointed_version(run: Any, published: str) -> str | None:
    """The build id published view `published` (quoted db.name) points to, or None."""
    try:
        rows = run(f"show tblproperties {published} ('{VERSION_PROPERTY}')")
    except Exception:  # absent, or not ours
        return None
    value = str(rows[0][1]) if rows and len(rows[0]) > 1 else ""
    return value if value and " " not in value else None


def leftovers(run: Any, versions: dict[tuple[str, str], list[Version]],
              published: dict[tuple[str, str], str], target: Any, *,
              killed: frozenset[str], current: str) -> list[Version]:
    """The versions no published view points to, of builds other than `current`.

    `versions` by (schema, name); `published` the published kinds ('pointer', 'view',
    'table'); `target(schema, name)` the published relation's quoted name. Only the
    relations with more than one version or one of a `killed` build's are asked which
    version they point to (one metastore call each)."""
    out: list[Version] = []
    for key, found in versions.items():
        mine = [v for v in found if v.build != current]
        copies = [v for v in mine if v.is_view]
        tables = [v for v in mine if not v.is_view]
        out.extend(copies)
        if not tables:
            continue
        if published.get(key) != "pointer":
            out.extend(tables)
            continue
        all_tables = [v for v in found if not v.is_view]
        if len(all_tables) == 1 and tables[0].build not in killed:
            continue
        live = pointed_version(run, target(*key))
        out.extend(v for v in tables if v.build != live)
    return out
