"""Write-audit-publish of the DuckDB file: build in a copy, swap it in atomically.

BI tools keep the published file open read-only while we rebuild, and a
DuckDB file has either one read-write process or many read-only ones, never
both. So a build never opens the published file for writing: it works in
`<published>.work` next to it and, when everything passed, `os.replace`s the
work file over the published path. Readers holding the old file keep their
consistent view (they hold the old inode); new connections see the new file.
A build that fails or is killed never touches the published file.

    with WorkingCopy(db, keep_failed_as=target / "failed_build.duckdb") as wc:
        con = duckdb.connect(str(wc.path))
        ...                     # build and test
        finish(con)             # CHECKPOINT and close
        wc.publish()            # leaving the block without publish() discards

Only one build at a time: `open()` takes an exclusive `flock` on
`<published>.lock` (removed again when the build ends). The kernel releases a
flock when the process ends, however it ends, so a `kill -9` never leaves a
stale lock (only a harmless lock file, reused by the next build); the stale
work file it leaves is discarded by the next build once that holds the lock.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.core.errors import ProjectError

if TYPE_CHECKING:
    from types import TracebackType

    import duckdb

# Files DuckDB keeps beside a database: its write-ahead log and its spill folder.
_SIDECARS = (".wal", ".tmp")


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """CHECKPOINT (so everything is in the main file, no WAL) and close the connection."""
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


class WorkingCopy:
    """The work file of one build, the build lock, and the swap that publishes it.

    Not a frozen dataclass: it is a resource with a lifecycle
    (new → open → published | discarded), used once.
    """

    def __init__(self, published: Path, keep_failed_as: Path | None = None) -> None:
        self.published = Path(published)
        self.keep_failed_as = Path(keep_failed_as) if keep_failed_as is not None else None
        self.path = self.published.with_name(self.published.name + ".work")
        self.lock_path = self.published.with_name(self.published.name + ".lock")
        self.state = "new"
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def open(self) -> WorkingCopy:
        """Take the build lock, drop any stale work file, start from the published file."""
        if self.state != "new":
            raise ProjectError(f"this working copy of {self.published} was already used")
        self.published.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            _remove_with_sidecars(self.path)  # left by a killed build
            if self.published.exists():
                # Plain reads: a reader's read-only DuckDB lock does not stop them.
                shutil.copyfile(self.published, self.path)
                wal = _sidecar(self.published, ".wal")
                if wal.exists():  # someone wrote to the published file directly
                    shutil.copyfile(wal, _sidecar(self.path, ".wal"))
        except BaseException:
            _remove_with_sidecars(self.path)
            self._unlock()
            raise
        self.state = "open"
        return self

    def publish(self) -> None:
        """Swap the work file in as the published file; the caller has closed its connections."""
        self._require_open("publish")
        if _open_in_this_process(self.path):
            raise ProjectError(
                f"cannot publish {self.path.name}: a connection to it is still open",
                hint="CHECKPOINT and close every connection to the work file first "
                     "(warehouse.adapters.duckdb.workcopy.finish(con) does both)")
        if _sidecar(self.path, ".wal").exists():
            _checkpoint(self.path)  # fold a leftover WAL in: readers must not need it
        if not self.path.exists():
            raise ProjectError(f"nothing to publish: {self.path} does not exist")
        _fsync_file(self.path)
        # A WAL beside the published file belongs to the old file; after the swap
        # DuckDB would replay it onto the new one. Its content was copied at open().
        _remove(_sidecar(self.published, ".wal"))
        os.replace(self.path, self.published)
        _fsync_dir(self.published.parent)
        _remove(_sidecar(self.path, ".tmp"))
        self.state = "published"

    def discard(self, *, keep: bool = True) -> Path | None:
        """Drop the work file, or move it to `keep_failed_as` for inspection; where it went."""
        self._require_open("discard")
        self.state = "discarded"
        if not self.path.exists():
            _remove_with_sidecars(self.path)
            return None
        if keep and self.keep_failed_as is not None:
            kept = self.keep_failed_as
            kept.parent.mkdir(parents=True, exist_ok=True)
            _remove_with_sidecars(kept)
            _move(self.path, kept)
            wal = _sidecar(self.path, ".wal")
            if wal.exists():  # the kept file is only consistent with its WAL
                _move(wal, _sidecar(kept, ".wal"))
            _remove_with_sidecars(self.path)
            return kept
        _remove_with_sidecars(self.path)
        return None

    def close(self) -> None:
        """Discard unless published, then release the lock. Safe to call twice."""
        try:
            if self.state == "open":
                self.discard()
        finally:
            self._unlock()

    def __enter__(self) -> WorkingCopy:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------ lock

    def _lock(self) -> None:
        import fcntl

        for _attempt in range(10):
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                os.close(fd)
                raise ProjectError(
                    f"another build holds the lock on {self.published.name}"
                    + (f" ({holder})" if holder else ""),
                    path=str(self.lock_path),
                    hint="wait for that build to finish; the lock is released when its "
                         "process ends, even if it is killed") from None
            except BaseException:
                os.close(fd)
                raise
            # The holder before us unlinks the lock file as it lets go; if we locked
            # that unlinked file, our lock guards nothing: try again on the new one.
            if _same_file(fd, self.lock_path):
                break
            os.close(fd)
        else:
            raise ProjectError(f"could not take the build lock {self.lock_path}")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
                  .encode(), 0)
        self._lock_fd = fd

    def _unlock(self) -> None:
        """Remove the lock file while still holding it, then let go: no stray file is left."""
        if self._lock_fd is None:
            return
        fd, self._lock_fd = self._lock_fd, None
        try:
            if _same_file(fd, self.lock_path):
                self.lock_path.unlink(missing_ok=True)
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _require_open(self, action: str) -> None:
        if self.state != "open":
            raise ProjectError(f"cannot {action} a working copy that is {self.state}")


# ---------------------------------------------------------------------- files


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _remove_with_sidecars(path: Path) -> None:
    _remove(path)
    for suffix in _SIDECARS:
        _remove(_sidecar(path, suffix))


def _move(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        shutil.move(src, dst)  # target/ on another file system than the database


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable: without it a power cut can bring the old name back."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(fd)


def _checkpoint(path: Path) -> None:
    import duckdb

    finish(duckdb.connect(str(path)))


def _open_in_this_process(path: Path) -> bool:
    """Whether this process still has `path` open (Linux /proc; elsewhere: unknown, False).

    An open DuckDB connection in this process would keep writing to the file
    after the swap, to what readers now see as the published warehouse.
    """
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
