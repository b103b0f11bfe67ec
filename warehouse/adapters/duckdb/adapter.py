"""The DuckDB adapter: `warehouse.adapters.base.Adapter` over one local DuckDB file.

A build works in a copy of the published file and renames it over the
published path when it is done (`workcopy`); readers open the file
read-only. Every DuckDB error a caller may meet comes out as `DatabaseError`
with DuckDB's own message; seed errors stay `ProjectError`s with their file,
line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from warehouse.adapters.base import StoredState, Unavailable
from warehouse.adapters.duckdb.session import DuckDBSession, work_session
from warehouse.core.identity import Relation


class DuckDBAdapter:
    """The published warehouse is the file `path`. `stamp` (in target/) remembers the state
    read last time (see `state.read_published_state`); `keep_failed_as` is where a failed
    build's file is left for inspection."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, path: Path, *, stamp: Path | None = None,
                 keep_failed_as: Path | None = None) -> None:
        self.path = Path(path)
        self.stamp = stamp
        self.keep_failed_as = keep_failed_as

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def label(self) -> str:
        return self.path.name

    def published_exists(self) -> bool:
        return self.path.exists()

    def published_state(self) -> StoredState:
        from warehouse.adapters.duckdb.state import read_published_state

        return read_published_state(self.path, self.stamp)

    def published_signatures(self, relations: Iterable[Relation]
                             ) -> dict[Relation, str | None]:
        """From the stamp when the file is the one they were taken of (a build that
        published it, or an earlier read), else by a scan in a read-only session."""
        from warehouse.adapters.duckdb.state import (
            file_identity,
            stamp_signatures,
            write_stamp,
        )

        relations = list(relations)
        if not relations or not self.path.exists():
            return {r: None for r in relations}
        identity = file_identity(self.path)
        known = stamp_signatures(self.stamp, identity) if self.stamp and identity else {}
        if all(str(r) in known for r in relations):
            return {r: known[str(r)] for r in relations}
        session = self.open_published()
        try:
            found = session.data_signatures(relations)
            state = session.read_state()
        finally:
            session.close()
        if self.stamp is not None and identity is not None and (
                file_identity(self.path) == identity):
            write_stamp(self.stamp, identity, state, {str(r): s for r, s in found.items()})
        return found

    def open_published(self) -> DuckDBSession:
        from warehouse.adapters.duckdb.driver import duckdb

        if not self.path.exists():
            raise Unavailable(f"{self.path.name} does not exist yet: run `warehouse build` "
                              "to create it")
        try:
            return DuckDBSession(duckdb.connect(str(self.path), read_only=True))
        except duckdb.Error as exc:
            raise Unavailable(f"{self.path.name} could not be opened read-only "
                              f"({str(exc).splitlines()[0]})") from None

    def workspace(self) -> Any:
        from warehouse.adapters.duckdb.workspace import DuckDBWorkspace

        return DuckDBWorkspace(self, work_session)

    @contextmanager
    def without_builds(self) -> Iterator[list[str]]:
        """Hold the build lock, with what killed builds left removed (yields the names);
        refuses while a build runs (see base.Adapter.without_builds)."""
        from warehouse.adapters.duckdb.workcopy import WorkingCopy, remove_leftovers

        if not self.path.parent.is_dir():  # no database folder yet: no build, nothing left
            yield []
            return
        from warehouse.adapters.duckdb.spare import remove as remove_spare

        with WorkingCopy(self.path).locked(
                f"cannot clean: a build is running on {self.path.name}",  # + (pid …, since …)
                hint="nothing was removed (it would delete that build's work file); wait for "
                     "the build to finish, or stop it, then clean again"):
            yield remove_leftovers(self.path) + remove_spare(self.path)

    def remove_leftovers(self) -> list[str]:
        with self.without_builds() as removed:
            return removed
