"""The file published before the last one, kept to start the next build from instead of a copy.

A build works in a copy of the published file (`workcopy`): at 5,000 models
that is a gigabyte copied to change one table. But when a build publishes,
the file it replaces differs from the new one only by what that build wrote.
So the swap keeps the old file under `<published>.spare` (a hard link made
before the rename: no bytes copied), with a record `<published>.spare.json`
of which nodes' rows the build rewrote (`rebuild`) or dropped (`drop`). The
next build renames the spare to its work path and deletes those rows from its
state table: the planner, which plans from the work file's own state, then
runs those nodes again ("new") along with whatever changed since. A row the
spare holds with the published fingerprint (a node the last build ran again
only because its own spare lacked it: its relation here was built from the
same inputs) is replaced by the published row instead, so that what a build
runs again is what the last one changed, not all it ran (workspace.py). It
only re-runs what it would have skipped; it never skips what a copy would run.

The spare stands in for a copy only when that is provable, else it is removed
and the build copies the published file as before:

* the record exists, is of this format, this engine and DuckDB version, and the
  published file and the spare are exactly the files it describes (device,
  inode, size, mtime, ctime; no WAL beside either): nothing wrote to either
  since that build published (an outside loader writing a source table into
  the published file, a direct edit); the spare is a plain file with no other
  name (not a symbolic link, no hard link of a backup tool: the build writes
  into it in place);
* the build that published wrote only what running its nodes again gives
  back: tables, views, seeds and test results, read-only queries (the
  session keeps count, see workspace.DuckDBWorkspace). An incremental model or
  a snapshot (history a re-run cannot give back), a hook or any statement
  that is not a query means no spare;
* no reader holds the spare: a read-only DuckDB connection holds a shared
  lock on its file for as long as it is open, in another process (tested
  with a non-blocking `lockf`) or in this one (an open descriptor on the same
  inode; locks of one process never conflict). Such a reader is looking at
  the spare's contents and must keep its consistent view;
* rebuilding is likely cheaper than copying (`worth_it`);
* after the rename, the work file's state, minus the rows deleted, equals
  the published file's state minus the rows to rebuild, and the plan runs
  every node to rebuild (a `--select` that leaves one out would publish it
  as it was two builds ago): checked by the workspace, which otherwise
  starts again from a copy (`WorkingCopy.restart_from_copy`).

The cost is disk: the previous file stays until the next build (a copy
needs the same room, only during the build). A build that copies removes
the spare first; `warehouse clean` removes it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from warehouse import __version__
from warehouse.adapters.duckdb.state import file_identity
from warehouse.core.atomic import write_atomic

FORMAT = "warehouse-spare/1"
COPY_BYTES_PER_SECOND = 400e6  # what a copy is assumed to cost, to compare with
WORTH_SECONDS = 2.0  # a rebuild this short is always worth it (small files)


@dataclass(frozen=True)
class Spare:
    """What the spare lacks against the published file: node ids whose rows to delete so
    that the planner runs them again (`rebuild`) or that the published file has no row
    for (`drop`); `seconds`: what loading its seeds, building its models and running its
    tests took the build that published, the price of running them again."""

    rebuild: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    seconds: float = 0.0


def spare_path(published: Path) -> Path:
    return published.with_name(published.name + ".spare")


def record_path(published: Path) -> Path:
    return published.with_name(published.name + ".spare.json")


def remove(published: Path) -> list[str]:
    """The record first (without it the spare is never taken), then the spare; the names
    removed."""
    removed = []
    for path in (record_path(published), spare_path(published)):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path.name)
    return removed


def worth_it(seconds: float, size: int) -> bool:
    """Whether running the last build's nodes again likely costs less than copying."""
    return seconds <= max(WORTH_SECONDS, size / COPY_BYTES_PER_SECOND)


def take(published: Path, work: Path) -> Spare | None:
    """Rename the spare to `work` when it may stand in for a copy of `published` (see the
    module docstring); None, with the spare removed, when not. Under the build lock."""
    try:
        found = _usable(published)
        if found is not None:
            spare, inode = found
            os.rename(spare_path(published), work)
            if _inode(work) == inode:
                return spare
            work.unlink(missing_ok=True)  # not the file checked: leave it to a copy
    except (OSError, ValueError, KeyError, TypeError):
        pass
    remove(published)
    return None


def _usable(published: Path) -> tuple[Spare, tuple[int, int]] | None:
    record = record_path(published)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    record.unlink()  # used once, whatever comes of it
    spare = spare_path(published)
    ours, theirs = file_identity(published), file_identity(spare)
    if (data["format"] != FORMAT or data["duckdb"] != _duckdb_version()
            or data["engine"] != __version__
            or ours is None or theirs is None or list(ours) != data["published"]
            or list(theirs) != data["spare"] or ours[:2] == theirs[:2]
            or not _only_name(spare)):
        return None
    note = Spare(tuple(map(str, data["rebuild"])), tuple(map(str, data["drop"])),
                 float(data["seconds"]))
    if not worth_it(note.seconds, theirs[2]) or _held(spare, theirs[:2]):
        return None
    return note, theirs[:2]


def link(published: Path, origin: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """Before the swap: hard-link the published file as the spare if it is still the file
    the build started from (`origin`, its identity then; None: no spare). The identity
    it had, or None when no spare was made."""
    remove(published)
    if origin is None or file_identity(published) != origin or not _only_name(published):
        return None  # written to during the build, a WAL beside it, another name for it
    try:
        os.link(published, spare_path(published))
    except OSError:  # a file system without hard links, a full directory
        return None
    return origin


def record(published: Path, linked: tuple[int, ...], spare: Spare) -> None:
    """After the swap: write the record if nothing wrote to the spare meanwhile (best
    effort: without a record the spare is removed by the next build)."""
    try:
        now = file_identity(spare_path(published))
        if now is None or now[:4] != linked[:4]:  # device, inode, size, mtime
            raise OSError("the spare changed while it was linked")
        _write_record(published, file_identity(published) or (), now, spare)
    except OSError:
        remove(published)


def give_back(published: Path, work: Path, spare: Spare) -> None:
    """A spare taken by a build that then had nothing to do (its workspace opened while the
    project loaded: run/workspace_ahead.py), renamed back, with a record of the file as it
    is now. Its state table may have lost the rows of what it lacks, or had rows put back
    (workspace.py): rows of `spare.rebuild`, which the next build's check leaves out
    anyway, so it is the spare it was. Under the build lock; OSError when it cannot."""
    os.rename(work, spare_path(published))
    now, ours = file_identity(spare_path(published)), file_identity(published)
    if now is None or ours is None:
        raise OSError("the spare or the published file changed as it was given back")
    _write_record(published, ours, now, spare)


def _write_record(published: Path, ours: tuple[int, ...], theirs: tuple[int, ...],
                  spare: Spare) -> None:
    """The record `_usable` reads: this engine and DuckDB, both files' identities (`ours`:
    the published file's, `theirs`: the spare's) and what the spare lacks."""
    data = {"format": FORMAT, "duckdb": _duckdb_version(), "engine": __version__,
            "published": list(ours), "spare": list(theirs), "rebuild": sorted(spare.rebuild),
            "drop": sorted(spare.drop), "seconds": round(spare.seconds, 3)}
    write_atomic(record_path(published), json.dumps(data).encode("utf-8"))


def _only_name(path: Path) -> bool:
    """Whether `path` is a plain file with no other name: a build writes into the spare in
    place, which must not change a file reachable some other way (a symbolic link's
    target, a hard link a backup tool made)."""
    import stat

    st = os.lstat(path)
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1


def _duckdb_version() -> str:
    from warehouse.adapters.duckdb.driver import duckdb

    return str(duckdb.__version__)


def _inode(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def _held(path: Path, inode: tuple[int, int]) -> bool:
    """Whether a DuckDB connection (any process) has the file open: in this process an
    open descriptor on the inode, in another a lock that refuses ours."""
    import fcntl

    if _open_here(inode):
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # releases the lock just taken (no other descriptor of ours is open)
    return False


def _open_here(inode: tuple[int, int]) -> bool:
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return True  # cannot tell: in doubt, copy
    for entry in fd_dir.iterdir():
        with contextlib.suppress(OSError):
            st = os.stat(entry)
            if (st.st_dev, st.st_ino) == inode:
                return True
    return False
