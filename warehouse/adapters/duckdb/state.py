"""The stored state of a warehouse: each node's fingerprint, kept inside the warehouse file.

Fingerprints live in table `_warehouse.node_state` of the DuckDB file they
describe, written by the same build, in the same work file, that built the
relations; the write-audit-publish swap therefore publishes relations and
fingerprints together, and a failed build publishes neither. A side file
could disagree with the database (a build killed between the two writes, a
file copied without its side file); a table in the file cannot.

Reading the published state opens the file read-only: BI readers hold it
read-only too, and read-only opens coexist. Only one process can hold a
DuckDB file read-write, so when another process has it open for writing the
state cannot be read; the runner then plans from the work copy instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warehouse.adapters.base import NodeState, StoredState, Unavailable
from warehouse.core.identity import Relation, quote_ident

STATE_SCHEMA = "_warehouse"
STATE_TABLE = "node_state"
STATE_RELATION = Relation(STATE_SCHEMA, STATE_TABLE)
STAMP_NAME = "state_stamp.pickle"  # in target/: see read_published_state
_COLUMNS = (
    ("unique_id", "varchar primary key"),
    ("fingerprint", "varchar not null"),  # full: the node and its ancestors
    ("local_fingerprint", "varchar not null"),  # the node alone (state:modified)
    ("relation", "varchar"),  # what was built; null for tests and ephemeral models
    ("status", "varchar not null"),  # success, pass, warn
    ("failures", "bigint"),  # tests: failing rows
    ("message", "varchar"),  # tests: what was printed (a warn's failing rows)
    ("built_at", "timestamptz not null"),
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def read_state(con: Any, kinds: Mapping[tuple[str, str], str] | None = None) -> StoredState:
    """The state stored in the database of an open connection (read-only is enough);
    `kinds`: its relations, read already (`read_kinds`)."""
    relations = frozenset(read_kinds(con) if kinds is None else kinds)
    if (STATE_SCHEMA, STATE_TABLE) not in relations or not _current_layout(con):
        return StoredState(relations=relations, exists=False)  # everything counts as new
    names = ", ".join(quote_ident(c) for c, _ in _COLUMNS[:-1])
    # The build time as microseconds since the epoch: DuckDB's conversion of a
    # TIMESTAMPTZ to a Python datetime (through the session's time zone) was three
    # quarters of reading 12,500 rows, and a build writes one time for all its rows.
    rows = con.execute(f"select {names}, epoch_us(built_at) from {STATE_RELATION.sql}"
                       ).fetchall()
    times = {m: _EPOCH + timedelta(microseconds=m) for m in {row[7] for row in rows}}
    nodes = {r[0]: NodeState(r[0], r[1], r[2], r[3], r[4], r[5], r[6], times[r[7]])
             for r in rows}
    return StoredState(nodes, relations, exists=True)


def matching_state(con: Any, expected: Mapping[str, NodeState], skip: Collection[str],
                   kinds: Mapping[tuple[str, str], str] | None = None) -> StoredState | None:
    """The state stored in `con` without the rows of `skip`, when those rows are exactly
    `expected`; None when not (or no state is stored). Rows are compared as the database
    returns them, so no NodeState is made for them: the ones of `expected` stand."""
    relations = frozenset(read_kinds(con) if kinds is None else kinds)
    if (STATE_SCHEMA, STATE_TABLE) not in relations or not _current_layout(con):
        return None
    names = ", ".join(quote_ident(c) for c, _ in _COLUMNS[:-1])
    rows = con.execute(f"select {names}, epoch_us(built_at) from {STATE_RELATION.sql}"
                       ).fetchall()
    found = {row for row in rows if row[0] not in skip}
    if len(found) != len(expected):
        return None
    micros: dict[datetime, int] = {}
    for s in expected.values():
        if s.built_at is None:
            return None
        if s.built_at not in micros:
            micros[s.built_at] = (s.built_at - _EPOCH) // timedelta(microseconds=1)
    wanted = {(s.unique_id, s.fingerprint, s.local_fingerprint, s.relation, s.status,
               s.failures, s.message, micros[s.built_at]) for s in expected.values()}
    return StoredState(dict(expected), relations, exists=True) if found == wanted else None


def delete_rows(con: Any, ids: Collection[str]) -> None:
    """Delete the stored rows of `ids` (a hash join: not each row against each id)."""
    if ids:
        con.execute(f"delete from {STATE_RELATION.sql} "
                    "where unique_id in (select unnest(?::varchar[]))", [sorted(ids)]
                    ).fetchall()


def same_rows(con: Any, states: Mapping[str, NodeState],
              relations: frozenset[tuple[str, str]]) -> set[str]:
    """The ids of `states` whose stored row has the same fingerprints and relation (a
    relation the database holds): what was built from the same inputs."""
    if not states:
        return set()
    found = con.execute(f"select unique_id, fingerprint, local_fingerprint, relation from "
                        f"{STATE_RELATION.sql} where unique_id in (select unnest(?::varchar[]))",
                        [sorted(states)]).fetchall()
    same = set()
    for uid, fingerprint, local, relation in found:
        state = states[uid]
        if (state.fingerprint, state.local_fingerprint, state.relation) != (
                fingerprint, local, relation):
            continue
        if relation is None or tuple(relation.lower().split(".", 1)) in relations:
            same.add(uid)
    return same


def put_rows(con: Any, states: list[NodeState]) -> None:
    """Store exactly these rows (their own build times), replacing the rows of their ids."""
    if states:
        delete_rows(con, [s.unique_id for s in states])
        _insert(con, states)


def _insert(con: Any, states: list[NodeState], built_at: datetime | None = None) -> None:
    """Insert the rows of `states` in one statement: built at `built_at`, or each at its
    own `built_at`."""
    lists: list[Any] = [[getattr(s, c) for s in states] for c, _ in _COLUMNS[:-1]]
    lists[6] = [s.message or "" for s in states]  # (the message column: never null)
    values = ", ".join(f"unnest(?::{t.split()[0]}[])" for _, t in _COLUMNS[:-1])
    if built_at is None:
        values, lists = values + ", unnest(?::timestamptz[])", [
            *lists, [s.built_at for s in states]]
    else:  # (one value for every row)
        values, lists = values + ", ?", [*lists, built_at]
    con.execute(f"insert into {STATE_RELATION.sql} select {values}", lists).fetchall()


def _current_layout(con: Any) -> bool:
    """Whether the stored table has this engine's columns (an older engine's table is
    not read, and is replaced by the next build that stores state)."""
    found = con.execute("select column_name from information_schema.columns "
                        "where table_schema = ? and table_name = ? order by ordinal_position",
                        [STATE_SCHEMA, STATE_TABLE]).fetchall()
    return [name for (name,) in found] == [name for name, _ in _COLUMNS]


def read_published_state(path: Path, stamp: Path | None = None) -> StoredState:
    """The state of the published warehouse, opened read-only; empty if there is none.

    With `stamp` (a file in target/), the state read last time is used again
    without opening DuckDB at all when the published file is provably the
    same file: same device, inode, size, mtime and ctime, and no write-ahead
    log beside it. A build publishes by renaming a new file over the old one
    (a new inode) and DuckDB writes change size or mtime, so any change to the
    warehouse sends the read back to the file itself. That keeps a no-op
    build from importing DuckDB (a third of its time).

    Raises Unavailable when the file cannot be opened read-only (a process
    holds it read-write)."""
    if not path.exists():
        return StoredState()
    identity = file_identity(path)
    if stamp is not None and identity is not None:
        known = read_stamp(stamp, identity)
        if known is not None:
            return known
    from warehouse.adapters.duckdb.driver import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise Unavailable(str(exc).splitlines()[0]) from None
    try:
        state = read_state(con)
    finally:
        con.close()
    if stamp is not None and identity is not None and file_identity(path) == identity:
        write_stamp(stamp, identity, state)
    return state


def file_identity(path: Path) -> tuple[int, ...] | None:
    """What changes whenever the file's content may have: None while a WAL is beside it."""
    if path.with_name(path.name + ".wal").exists():
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_stamp(stamp: Path, identity: tuple[int, ...]) -> StoredState | None:
    """The state remembered for the file with `identity`, or None."""
    found = _read_stamp(stamp, identity)
    return found[0] if found is not None else None


def stamp_signatures(stamp: Path, identity: tuple[int, ...]) -> dict[str, str | None]:
    """Data signatures remembered for the file with `identity` (relation text -> digest)."""
    found = _read_stamp(stamp, identity)
    return dict(found[1]) if found is not None else {}


# The stamp last read or written by this process, by the stamp file's own identity: a
# build reads it up to four times (plan, spare check, signatures, rewrite), and at 5,000
# models each unpickling took a twentieth of a second.
_last_stamp: tuple[Path, tuple[int, ...], Any] | None = None


def _read_stamp(stamp: Path, identity: tuple[int, ...]
                ) -> tuple[StoredState, dict[str, str | None]] | None:
    import pickle

    global _last_stamp
    own = file_identity(stamp)
    try:
        if _last_stamp is not None and own is not None and _last_stamp[:2] == (stamp, own):
            saved_identity, state, signatures = _last_stamp[2]
        else:
            with open(stamp, "rb") as handle:
                saved_identity, body = pickle.load(handle)
            if tuple(saved_identity) != identity:
                return None  # (the state of another file: not unpickled)
            state, signatures = pickle.loads(body)
            if own is not None and file_identity(stamp) == own:
                _last_stamp = (stamp, own, (saved_identity, state, signatures))
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            TypeError, ValueError):
        return None
    if (tuple(saved_identity) != identity or not isinstance(state, StoredState)
            or not isinstance(signatures, dict)):
        return None
    return state, signatures


def stamp_body(state: StoredState, signatures: dict[str, str | None] | None = None) -> bytes:
    """What the stamp holds but the file's identity, pickled: apart, so that a build can
    make it while DuckDB checkpoints the work file, before the swap gives the identity
    (a twentieth of a second at 5,000 models)."""
    import pickle

    return pickle.dumps((state, dict(signatures or {})), protocol=pickle.HIGHEST_PROTOCOL)


def write_stamp(stamp: Path, identity: tuple[int, ...] | None, state: StoredState,
                signatures: dict[str, str | None] | None = None, body: bytes | None = None
                ) -> None:
    """Remember `state` (and data signatures taken of it) as the content of the file with
    `identity`, atomically; best effort. Signatures already remembered for the same
    identity are kept. `body`: `stamp_body(state, signatures)`, when the caller made it."""
    import contextlib
    import pickle

    from warehouse.core.atomic import write_atomic

    if identity is None:
        stamp.unlink(missing_ok=True)
        return
    global _last_stamp
    known = stamp_signatures(stamp, identity)
    if known or body is None:
        known.update(signatures or {})
        body = stamp_body(state, known)
    else:
        known = dict(signatures or {})
    with contextlib.suppress(OSError):
        write_atomic(stamp, pickle.dumps((identity, body), protocol=pickle.HIGHEST_PROTOCOL))
        own = file_identity(stamp)
        _last_stamp = (stamp, own, (identity, state, known)) if own is not None else None


def data_signatures(con: Any, relations: Iterable[Relation]) -> dict[Relation, str | None]:
    """A digest of each relation's column names and types, row count and an order-free sum
    of its rows' hashes: new, changed or deleted rows change it. None when the relation
    is missing or cannot be read. Costs one scan of each relation."""
    import hashlib

    from warehouse.adapters.duckdb.driver import duckdb

    out: dict[Relation, str | None] = {}
    for relation in relations:
        try:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where lower(table_schema) = lower(?) and lower(table_name) = lower(?) "
                "order by ordinal_position", [relation.schema, relation.name]).fetchall()
            if not columns:
                out[relation] = None
                continue
            count, total = con.execute(
                f"select count(*), sum(hash(__warehouse_row)) from {relation.sql} "
                "as __warehouse_row").fetchall()[0]
        except duckdb.Error:
            out[relation] = None
            continue
        out[relation] = hashlib.sha256(repr((columns, count, total)).encode()).hexdigest()[:32]
    return out


def write_state(con: Any, states: Iterable[NodeState], keep: Iterable[str]
                ) -> tuple[frozenset[str], tuple[NodeState, ...]] | None:
    """Replace the stored rows of `states`, and drop rows of nodes not in `keep` (nodes
    that left the project). Run in the work file before it is checkpointed and published.

    Returns what changed, (ids whose rows were deleted, rows inserted as stored), so
    the caller can tell the state now from the state before without reading it all
    again; None when the table was made anew (no earlier rows survive). Only the
    rows that change are touched: a one-model build deletes and inserts a few rows,
    not a comparison of every stored row with every kept id."""
    states = list(states)
    now = datetime.now(UTC)
    con.execute(f"create schema if not exists {quote_ident(STATE_SCHEMA)}")
    made_anew = not _current_layout(con)
    if made_anew:
        con.execute(f"drop table if exists {STATE_RELATION.sql}")
    columns = ", ".join(f"{quote_ident(c)} {t}" for c, t in _COLUMNS)
    con.execute(f"create table if not exists {STATE_RELATION.sql} ({columns})")
    con.execute("begin transaction")
    try:
        stored = {uid for (uid,) in con.execute(
            f"select unique_id from {STATE_RELATION.sql}").fetchall()}
        ids = [s.unique_id for s in states]
        gone = (stored - set(keep)) | stored.intersection(ids)
        if gone:
            con.execute(f"delete from {STATE_RELATION.sql} "
                        "where unique_id in (select unnest(?::varchar[]))", [sorted(gone)])
        if states:
            _insert(con, states, now)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if made_anew:
        return None
    return frozenset(gone), tuple(
        NodeState(s.unique_id, s.fingerprint, s.local_fingerprint, s.relation, s.status,
                  s.failures, s.message or "", now) for s in states)


def state_after(before: StoredState, written: tuple[frozenset[str], tuple[NodeState, ...]],
                relations: frozenset[tuple[str, str]]) -> StoredState:
    """The state `write_state` left, from the state before it and what it returned."""
    gone, inserted = written
    nodes = {k: v for k, v in before.nodes.items() if k not in gone}
    nodes.update((s.unique_id, s) for s in inserted)
    return StoredState(nodes, relations, exists=True)


def read_kinds(con: Any) -> dict[tuple[str, str], str]:
    """Every table and view of the database: (schema, name) in lower case -> 'table' or
    'view'. One query for a build's start: its state's relations and its session's
    catalog (materialize.Catalog) are both made of it (20-45 ms at 5,000 relations)."""
    rows = con.execute("select table_schema, table_name, table_type "
                       "from information_schema.tables").fetchall()
    return {(s.lower(), n.lower()): "view" if t == "VIEW" else "table" for s, n, t in rows}
