"""A DuckDB build's workspace: its work file (`workcopy`), its one connection, its publish.

The work file may be the spare (spare.py): then `connect` deletes the state rows
of what it lacks, after checking that the rest is the published state, `covers`
checks that the plan runs them, and `publish` notes what this build wrote, for
the next build's spare.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warehouse.adapters.base import DatabaseError, StoredState, Unavailable
from warehouse.core.background import meanwhile


class DuckDBWorkspace:
    """A build's copy of the published file (`workcopy.WorkingCopy`), its one connection,
    and the swap that publishes it with the state stamp rewritten to match."""

    def __init__(self, adapter: Any, session_type: Any) -> None:
        from warehouse.adapters.duckdb.workcopy import WorkingCopy

        self._adapter = adapter
        self._session_type = session_type  # adapter.DuckDBSession (imported there)
        self._copy = WorkingCopy(adapter.path, keep_failed_as=adapter.keep_failed_as,
                                 spare=True)
        self._session: Any = None
        self._start: StoredState | None = None  # the work file's state when connected
        self._lacking: set[str] = set()  # what a spare lacks: the plan must run it

    def __enter__(self) -> DuckDBWorkspace:
        self._copy.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None = None,
                 *tb: object) -> None:
        """Discard unless published. A DuckDB error that is the disk refusing a write in the
        build's own statements (the state it stores, the schemas it creates: a model's is
        that model's error) ends as a refused CHECKPOINT does, as a StorageError."""
        from warehouse.adapters.duckdb.workcopy import refused_write

        refused = None
        try:  # after an exception (an interrupt), close without writing anything more
            self._close_session(checkpoint=exc_type is None)
            if (isinstance(exc, DatabaseError) and refused_write(exc)
                    and self._copy.state == "open"):
                refused = self._copy.fail(f"could not write the build into "
                                          f"{self._copy.path.name}", exc)
        finally:
            self._copy.close()
        if refused is not None:
            raise refused from exc

    def connect(self) -> Any:
        from warehouse.adapters.duckdb.driver import duckdb

        if self._session is None:
            self._session = self._session_type(duckdb.connect(str(self._copy.path)))
            start = self._forget_lacking() if self._copy.spare is not None else None
            if self._copy.spare is not None and start is None:
                self._restart()
                self._session = self._session_type(duckdb.connect(str(self._copy.path)))
            # Read once (12,500 rows at 5,000 models): the caller's first read gets it too.
            self._start = start or self._session.read_state()
            self._session.known_state(self._start)
        return self._session

    def covers(self, run: Iterable[object]) -> bool:
        """Whether the plan runs every node the work file lacks (see spare.py); if not, the
        work file is replaced by a copy of the published one and the caller plans again."""
        if self._copy.spare is None or self._lacking <= {str(n) for n in run}:
            return True
        self._restart()
        return False

    def _forget_lacking(self) -> StoredState | None:
        """Delete the spare's rows of what it lacks, if the rest is the published state; the
        state left (None if the spare does not fit).

        What the last build rewrote with the fingerprint the spare's row already has (it
        ran it again only because its own spare lacked it) is not lacking: the spare's
        relation was built from the same inputs, so its published row is put back instead
        of the node running again. Without this, each build ran again everything the one
        before had run, and what ran grew with every edit until a copy was cheaper."""
        from warehouse.adapters.duckdb.state import (
            delete_rows,
            matching_state,
            put_rows,
            same_rows,
        )

        spare, session = self._copy.spare, self._session
        assert spare is not None and session is not None
        try:
            published = self._adapter.published_state()
        except Unavailable:
            return None
        if not published.exists:
            return None
        rebuild = set(spare.rebuild)
        expected = {k: v for k, v in published.nodes.items() if k not in rebuild}
        kept = matching_state(session.con, expected, rebuild | set(spare.drop),
                              session.read_kinds())
        if kept is None:
            return None
        rewritten = {k: published.nodes[k] for k in rebuild if k in published.nodes}
        same = same_rows(session.con, rewritten, kept.relations)
        self._lacking = rebuild - same
        delete_rows(session.con, {*self._lacking, *spare.drop})
        put_rows(session.con, [rewritten[k] for k in sorted(same)])
        return StoredState({**kept.nodes, **{k: rewritten[k] for k in same}}, kept.relations,
                           exists=True)

    def _restart(self) -> None:
        self._close_session(checkpoint=False)
        self._copy.restart_from_copy()

    def _spare_note(self, final: StoredState | None) -> Any:
        """What this build wrote, for the next build's spare; None when a run of its nodes
        would not give it back (see DuckDBSession._note)."""
        from warehouse.adapters.duckdb.spare import Spare

        session, start = self._session, self._start
        if final is None or start is None or session is None or session.unrepeatable:
            return None
        before = start.nodes.get  # (rows kept are the very objects: `is` settles most)
        return Spare(tuple(k for k, v in final.nodes.items()
                           if (old := before(k)) is not v and old != v),
                     tuple(k for k in start.nodes if k not in final.nodes),
                     session.busy_seconds)

    def publish(self) -> None:
        from warehouse.adapters.duckdb.state import file_identity, stamp_body, write_stamp

        session, stamp = self._session, self._adapter.stamp
        final = self._final_state()
        taken = {str(r): s for r, s in session.signatures_taken.items()} if session else {}
        note = self._spare_note(final)
        # DuckDB checkpoints on a thread, letting go of the interpreter, while this one
        # pickles the stamp (a twentieth of a second at 5,000 models, after it before).
        closed = meanwhile(self._close_session)
        try:
            body = stamp_body(final, taken) if stamp is not None and final is not None else None
        finally:
            refused = closed()
        if refused is not None:
            raise self._copy.fail(f"could not write the build into {self._copy.path.name} "
                                  "(CHECKPOINT)", refused) from refused
        self._copy.publish(note)
        if stamp is not None and final is not None:
            write_stamp(stamp, file_identity(self._adapter.path), final, taken, body)

    def _final_state(self) -> StoredState | None:
        """The work file's state now: the state at connect with the one write_state's
        changes applied, and the relations the session's catalog holds (read at connect,
        kept current by every relation the engine made), when nothing else can have
        written the state table or made a relation (no statement outside the engine's own
        ran: see DuckDBSession._note); else read in full."""
        from warehouse.adapters.duckdb.state import read_state, state_after

        session, start = self._session, self._start
        if session is None:
            return None
        written = session.states_written
        if (start is None or not start.exists or session.unrepeatable or len(written) != 1
                or written[0] is None):
            return read_state(session.con)
        return state_after(start, written[0], session.relations_built())

    def give_back(self) -> None:
        """Close an unused workspace: a spare it took is kept for the next build
        (WorkingCopy.give_back), then the lock is released."""
        try:
            self._close_session()
            self._copy.give_back()
        finally:
            self._copy.close()

    def discard(self, *, keep: bool = True) -> str | None:
        # A kept build is checkpointed into one file; if the disk refuses (the build may
        # have failed for want of room), its file and WAL are kept together, or dropped.
        self._close_session(checkpoint=keep)
        kept = self._copy.discard(keep=keep)
        return str(kept) if kept is not None else None

    def _close_session(self, *, checkpoint: bool = True) -> DatabaseError | None:
        """CHECKPOINT (everything into the main file, no WAL) and close; the CHECKPOINT's
        error if the disk refused it (full, I/O error: DuckDB then invalidates the whole
        database, so the connection is closed either way and the caller decides)."""
        session, self._session = self._session, None
        if session is None:
            return None
        try:
            if checkpoint:
                session.execute("checkpoint")
        except DatabaseError as exc:
            return exc
        finally:
            session.close()
        return None
