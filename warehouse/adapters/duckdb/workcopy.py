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
stale lock (only a harmless lock file, reused by the next build).

What earlier builds left never blocks the next one. Holding the lock, a
build first removes `<published>.work*` (a killed build's work file, WAL,
spill folder) and the previous kept failed build: a kept build is for looking
at until the next build, and on a full disk it is the very room the copy
needs. A failed build is kept only if its folder still has its size free once
it is there (`shutil.disk_usage`): one that failed on a full disk is dropped,
with a note on stderr, rather than leave the disk full (so is one whose move
fails).

When the disk refuses the work file (full, over quota, I/O error) while
copying, checkpointing or publishing, a `StorageError` says what failed, the
folder, the room needed (the published file's size for the copy, the work
file's after) and free; the work file is removed, the published one untouched.
No free-space check precedes the copy: a compressing file system may fit it.

`warehouse clean` takes the lock without waiting (`WorkingCopy.locked`): it
never deletes a running build's work file (see DuckDBAdapter.without_builds).
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.core.atomic import fsync_dir, fsync_file
from warehouse.core.errors import ProjectError

if TYPE_CHECKING:
    import duckdb

# How DuckDB words a refused write: `Could not write file "<path>": <strerror>`.
_WRITE_ERROR = re.compile(r'Could not write file "[^"]*": ([^"\n]+)')


class StorageError(ProjectError):
    """The disk refused the build's file (full, over quota, I/O error); nothing was published.
    Exit code 1 as for a failed model: the command and the project are right (2 says not)."""

    exit_code = 1


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """CHECKPOINT (so everything is in the main file, no WAL) and close the connection."""
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


def refused_write(exc: BaseException) -> bool:
    """Whether a DuckDB error is the disk refusing a write (a full disk, an I/O error)."""
    return _WRITE_ERROR.search(str(exc)) is not None


def remove_leftovers(published: Path) -> list[str]:
    """Remove `<published>.work` and the files named after it (its WAL, its spill folder,
    a set-aside WAL): what a killed build leaves. Only under the build lock."""
    return _remove_family(published.with_name(published.name + ".work"))


class WorkingCopy:
    """The work file of one build, the build lock, and the swap that publishes it: not a
    frozen dataclass but a resource used once (new → open → published | discarded)."""

    def __init__(self, published: Path, keep_failed_as: Path | None = None) -> None:
        self.published = Path(published)
        self.keep_failed_as = Path(keep_failed_as) if keep_failed_as is not None else None
        self.path = self.published.with_name(self.published.name + ".work")
        self.lock_path = self.published.with_name(self.published.name + ".lock")
        self.state = "new"
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def open(self) -> WorkingCopy:
        """Take the build lock, clear what earlier builds left, start from the published file."""
        if self.state != "new":
            raise ProjectError(f"this working copy of {self.published} was already used")
        self.published.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            remove_leftovers(self.published)  # left by a killed build
            if self.keep_failed_as is not None:  # kept until the next build: see the docstring
                with contextlib.suppress(OSError):
                    _remove_family(self.keep_failed_as)
            self._copy_published()
        except BaseException:
            remove_leftovers(self.published)
            self._unlock()
            raise
        self.state = "open"
        return self

    def _copy_published(self) -> None:
        """Plain reads: a reader's read-only DuckDB lock does not stop them."""
        if not self.published.exists():
            return
        wal = _sidecar(self.published, ".wal")
        try:
            shutil.copyfile(self.published, self.path)
            if wal.exists():  # someone wrote to the published file directly
                shutil.copyfile(wal, _sidecar(self.path, ".wal"))
        except OSError as exc:
            raise self.fail(f"could not copy {self.published.name} to {self.path.name} to "
                            "start the build", exc, needed=_size_of(self.published, wal)) from exc

    def publish(self) -> None:
        """Swap the work file in as the published file; the caller has closed its connections."""
        self._require_open("publish")
        if _open_in_this_process(self.path):
            raise ProjectError(
                f"cannot publish {self.path.name}: a connection to it is still open",
                hint="CHECKPOINT and close every connection to the work file first "
                     "(warehouse.adapters.duckdb.workcopy.finish(con) does both)")
        if _sidecar(self.path, ".wal").exists():
            self._fold_wal()  # readers must not need a WAL
        if not self.path.exists():
            raise ProjectError(f"nothing to publish: {self.path} does not exist")
        try:
            fsync_file(self.path)  # a full disk often shows here first (delayed allocation)
            self._swap()
        except OSError as exc:
            raise self.fail(f"could not publish {self.path.name} as {self.published.name}",
                            exc) from exc
        fsync_dir(self.published.parent)
        _remove(_sidecar(self.path, ".tmp"))
        self.state = "published"

    def discard(self, *, keep: bool = True) -> Path | None:
        """Drop the work file, or move it to `keep_failed_as` for inspection when there is
        room for it (see the module docstring); where it went."""
        self._require_open("discard")
        self.state = "discarded"
        kept = None
        if keep and self.keep_failed_as is not None and self.path.exists():
            kept = self._keep(self.keep_failed_as)
        remove_leftovers(self.published)
        return kept

    def fail(self, what: str, exc: BaseException, *, needed: int | None = None) -> StorageError:
        """Give up after the disk refused the work file (`exc`): remove it (before measuring
        what is free); the error saying what failed, where, the room needed and free."""
        if needed is None:
            needed = _size_of(self.path, _sidecar(self.path, ".wal"))
        self.state = "discarded"  # not kept: it may be damaged, and there is no room for it
        remove_leftovers(self.published)
        folder, free = self.path.parent, _free(self.path.parent)
        state = "is unchanged" if self.published.exists() else "was not created"
        reason = _reason(exc)
        full = any(word in reason.lower() for word in ("space", "quota"))
        return StorageError(
            f"{what}: {reason}\n"
            f"in {folder}: the build needs about {_human(needed)} there, {_human(free)} free\n"
            f"Nothing was published: {self.published.name} {state}; the work file was removed.",
            hint=(f"make room in {folder} (or put the database on a disk with room)" if full
                  else f"check the disk holding {folder}") + ", then build again")

    def close(self) -> None:
        """Discard unless published, then release the lock. Safe to call twice."""
        try:
            if self.state == "open":
                self.discard()
        finally:
            self._unlock()

    def __enter__(self) -> WorkingCopy:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ steps

    def _fold_wal(self) -> None:
        """CHECKPOINT a WAL left beside the work file into it."""
        import duckdb

        try:
            finish(duckdb.connect(str(self.path)))
        except duckdb.Error as exc:
            raise self.fail(f"could not write the build into {self.path.name} (CHECKPOINT)",
                            exc) from exc

    def _swap(self) -> None:
        """Rename the work file over the published one. The published file's WAL (copied at
        open()) would be replayed onto the new file: set aside, put back if the rename fails."""
        wal, aside = _sidecar(self.published, ".wal"), _sidecar(self.path, ".oldwal")
        had_wal = wal.exists()
        if had_wal:
            os.replace(wal, aside)
        try:
            os.replace(self.path, self.published)
        except BaseException:
            if had_wal:
                os.replace(aside, wal)
            raise
        _remove(aside)

    def _keep(self, kept: Path) -> Path | None:
        """Move the work file (and its WAL, the file is only consistent with it) to `kept`
        if its folder keeps at least that much free afterwards; None, with a note, if not."""
        wal = _sidecar(self.path, ".wal")
        size = _size_of(self.path, wal)
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            _remove_family(kept)
            free = _free(kept.parent)
            cost = 0 if os.stat(kept.parent).st_dev == os.stat(self.path).st_dev else size
            if free is not None and free - cost < size:
                self._drop(f"it takes {_human(size)} and {kept.parent} has {_human(free)} "
                           "free: keeping it would leave the disk full")
                return None
            _move(self.path, kept)
            if wal.exists():
                _move(wal, _sidecar(kept, ".wal"))
        except OSError as exc:
            with contextlib.suppress(OSError):
                _remove_family(kept)
            self._drop(f"moving it to {kept} failed: {_reason(exc)}")
            return None
        return kept

    def _drop(self, why: str) -> None:
        print(f"note: the failed build was not kept for inspection: {why}", file=sys.stderr)

    # ------------------------------------------------------------------ lock

    @contextlib.contextmanager
    def locked(self, refusal: str, hint: str) -> Iterator[None]:
        """The build lock alone, not waiting: a ProjectError `refusal (pid …, since …)`."""
        self._lock(refusal, hint)
        try:
            yield
        finally:
            self._unlock()

    def _lock(self, refusal: str = "", hint: str = "") -> None:
        import fcntl

        for _attempt in range(10):
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                os.close(fd)
                raise ProjectError(
                    (refusal or f"another build holds the lock on {self.published.name}")
                    + (f" ({holder})" if holder else ""),
                    path=str(self.lock_path),
                    hint=hint or "wait for that build to finish; the lock is released when "
                                 "its process ends, even if it is killed") from None
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
        with contextlib.suppress(OSError):  # who holds it is a courtesy; a full disk refuses it
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


def _remove_family(path: Path) -> list[str]:
    """Remove `path` and the files named `<path>.*` beside it (DuckDB's WAL, spill folder)."""
    with os.scandir(path.parent) as entries:
        names = sorted(e.name for e in entries
                       if e.name == path.name or e.name.startswith(path.name + "."))
    for name in names:
        _remove(path.parent / name)
    return names


def _move(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        shutil.move(src, dst)  # target/ on another file system than the database


def _size_of(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def _free(folder: Path) -> int | None:
    """Bytes free for this user in `folder`'s file system (None when it cannot be read)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _human(size: int | None) -> str:
    if size is None:
        return "an unknown amount"
    power = min(4, int(math.log(max(size, 1), 1024)))
    return f"{size} bytes" if power == 0 else f"{size / 1024 ** power:.1f} {'KMGT'[power - 1]}B"


def _reason(exc: BaseException) -> str:
    """An OSError's text, the OS's text inside a DuckDB error, else its first line."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    found = _WRITE_ERROR.search(str(exc))
    return found.group(1).strip() if found else (str(exc).strip() or repr(exc)).splitlines()[0]


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _open_in_this_process(path: Path) -> bool:
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
