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

With `spare=True` the copy is skipped when it provably can be: the file the
last build replaced was kept (a hard link, no bytes copied) and is renamed to
the work path instead; what it lacks is rebuilt by the planner. The rules and
the cases that fall back to the copy are in `spare`; every guarantee above holds
on both paths (the spare is never a file anyone reads, and a failed build
leaves the published file alone whatever it started from).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.adapters.duckdb import spare as spares
from warehouse.adapters.duckdb.files import (
    WRITE_ERROR,
    error_words,
    free_space,
    human,
    move,
    open_in_this_process,
    remove_family,
    remove_path,
    same_file,
    sidecar,
    size_of,
)
from warehouse.adapters.duckdb.state import file_identity
from warehouse.core.atomic import fsync_dir, fsync_file
from warehouse.core.errors import ProjectError

if TYPE_CHECKING:
    from warehouse.adapters.duckdb.driver import duckdb



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
    return WRITE_ERROR.search(str(exc)) is not None


def remove_leftovers(published: Path) -> list[str]:
    """Remove `<published>.work` and the files named after it (its WAL, its spill folder,
    a set-aside WAL): what a killed build leaves. Only under the build lock."""
    return remove_family(published.with_name(published.name + ".work"))


class WorkingCopy:
    """The work file of one build, the build lock, and the swap that publishes it: not a
    frozen dataclass but a resource used once (new → open → published | discarded)."""

    def __init__(self, published: Path, keep_failed_as: Path | None = None, *,
                 spare: bool = False) -> None:
        self.published = Path(published)
        self.use_spare = spare
        self.spare: spares.Spare | None = None  # what the work file lacks, if from the spare
        self._origin: tuple[int, ...] | None = None  # the published file's identity at open
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
                    remove_family(self.keep_failed_as)
            self._origin = file_identity(self.published)
            if self.use_spare:
                self.spare = spares.take(self.published, self.path)
            if self.spare is None:
                spares.remove(self.published)  # (its room may be what the copy needs)
                self._copy_published()
        except BaseException:
            remove_leftovers(self.published)
            self._unlock()
            raise
        self.state = "open"
        return self

    def restart_from_copy(self) -> None:
        """Start again from a copy of the published file (the spare did not fit the plan);
        the caller has closed its connections to the work file."""
        self._require_open("restart")
        remove_leftovers(self.published)
        self.spare = None
        self._origin = file_identity(self.published)
        self._copy_published()

    def _copy_published(self) -> None:
        """Plain reads: a reader's read-only DuckDB lock does not stop them."""
        if not self.published.exists():
            return
        wal = sidecar(self.published, ".wal")
        try:
            shutil.copyfile(self.published, self.path)
            if wal.exists():  # someone wrote to the published file directly
                shutil.copyfile(wal, sidecar(self.path, ".wal"))
        except OSError as exc:
            raise self.fail(f"could not copy {self.published.name} to {self.path.name} to "
                            "start the build", exc, needed=size_of(self.published, wal)) from exc

    def publish(self, spare: spares.Spare | None = None) -> None:
        """Swap the work file in as the published file; the caller has closed its connections.
        With `spare` (what this build wrote, see `spare`) the replaced file is kept as the
        next build's spare, when it is still the file this build started from."""
        self._require_open("publish")
        if open_in_this_process(self.path):
            raise ProjectError(
                f"cannot publish {self.path.name}: a connection to it is still open",
                hint="CHECKPOINT and close every connection to the work file first "
                     "(warehouse.adapters.duckdb.workcopy.finish(con) does both)")
        if sidecar(self.path, ".wal").exists():
            self._fold_wal()  # readers must not need a WAL
        if not self.path.exists():
            raise ProjectError(f"nothing to publish: {self.path} does not exist")
        try:
            fsync_file(self.path)  # a full disk often shows here first (delayed allocation)
            self._swap(spare)
        except OSError as exc:
            raise self.fail(f"could not publish {self.path.name} as {self.published.name}",
                            exc) from exc
        fsync_dir(self.published.parent)
        remove_path(sidecar(self.path, ".tmp"))
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

    def give_back(self) -> None:
        """Unused (the build had nothing to do): a spare it took goes back for the next build
        (spare.give_back); a copy is dropped. The caller has closed its connections."""
        self._require_open("give back")
        if self.spare is not None and not sidecar(self.path, ".wal").exists():
            try:
                spares.give_back(self.published, self.path, self.spare)
            except OSError:
                spares.remove(self.published)
            else:
                self.state = "discarded"
                return
        self.discard(keep=False)

    def fail(self, what: str, exc: BaseException, *, needed: int | None = None) -> StorageError:
        """Give up after the disk refused the work file (`exc`): remove it (before measuring
        what is free); the error saying what failed, where, the room needed and free."""
        if needed is None:
            needed = size_of(self.path, sidecar(self.path, ".wal"))
        self.state = "discarded"  # not kept: it may be damaged, and there is no room for it
        remove_leftovers(self.published)
        folder, free = self.path.parent, free_space(self.path.parent)
        state = "is unchanged" if self.published.exists() else "was not created"
        reason = error_words(exc)
        full = any(word in reason.lower() for word in ("space", "quota"))
        return StorageError(
            f"{what}: {reason}\n"
            f"in {folder}: the build needs about {human(needed)} there, {human(free)} free\n"
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
        from warehouse.adapters.duckdb.driver import duckdb

        try:
            finish(duckdb.connect(str(self.path)))
        except duckdb.Error as exc:
            raise self.fail(f"could not write the build into {self.path.name} (CHECKPOINT)",
                            exc) from exc

    def _swap(self, spare: spares.Spare | None) -> None:
        """Rename the work file over the published one. The published file's WAL (copied at
        open()) would be replayed onto the new file: set aside, put back if the rename fails.
        The spare is linked first (no spare while a WAL is beside the published file)."""
        linked = spares.link(self.published, self._origin) if spare is not None else None
        wal, aside = sidecar(self.published, ".wal"), sidecar(self.path, ".oldwal")
        had_wal = wal.exists()
        if had_wal:
            os.replace(wal, aside)
        try:
            os.replace(self.path, self.published)
        except BaseException:
            spares.remove(self.published)
            if had_wal:
                os.replace(aside, wal)
            raise
        remove_path(aside)
        if linked is not None and spare is not None:
            spares.record(self.published, linked, spare)

    def _keep(self, kept: Path) -> Path | None:
        """Move the work file (and its WAL, the file is only consistent with it) to `kept`
        if its folder keeps at least that much free afterwards; None, with a note, if not."""
        wal = sidecar(self.path, ".wal")
        size = size_of(self.path, wal)
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            remove_family(kept)
            free = free_space(kept.parent)
            cost = 0 if os.stat(kept.parent).st_dev == os.stat(self.path).st_dev else size
            if free is not None and free - cost < size:
                self._drop(f"it takes {human(size)} and {kept.parent} has {human(free)} "
                           "free: keeping it would leave the disk full")
                return None
            move(self.path, kept)
            if wal.exists():
                move(wal, sidecar(kept, ".wal"))
        except OSError as exc:
            with contextlib.suppress(OSError):
                remove_family(kept)
            self._drop(f"moving it to {kept} failed: {error_words(exc)}")
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
            if same_file(fd, self.lock_path):
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
            if same_file(fd, self.lock_path):
                self.lock_path.unlink(missing_ok=True)
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _require_open(self, action: str) -> None:
        if self.state != "open":
            raise ProjectError(f"cannot {action} a working copy that is {self.state}")
