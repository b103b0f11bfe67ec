"""The parse cache's files: a load, its memos, its models' property entries, and an overlay.

`parse_cache.pickle` begins with a header line (format and key), then four
pickles: the load (`CachedLoad`, memos left out), the memos and the models'
property entries (each pickled as bytes: a warm load does not read them, a
delta load reads the memos as bytes and writes them back unread), and nothing
else. A load after a model edit (`delta_load`) does not write all that again:
it writes `parse_cache.overlay.pickle`, what differs from the load in the main
file (nodes, parents and fingerprints that are not the main file's, the DAG
when an edge changed), under its own key and the main file's. A reader takes
the overlay only on top of the very load it was made from (by key); writing a
whole load removes it.

Pickles (exact round trip of YAML values such as dates and of frozen
dataclasses, with no schema to keep in step with the node classes), written
atomically, and only ever read back by the engine that wrote them: a file whose
header is not ours, or that fails to load, is a miss.
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "warehouse-parse-cache/6"
OVERLAY_NAME = "parse_cache.overlay.pickle"
BROKEN = (OSError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError,
          pickle.UnpicklingError)


@dataclass(frozen=True)
class CachedLoad:
    """What is pickled: the output of `load_project` that costs time to compute."""

    key: str
    nodes: Mapping[Any, Any]
    parents: Mapping[Any, Any]
    fingerprints: Mapping[Any, Any]
    memos: Mapping[str, tuple[str, Mapping[str, Any]]]  # name: Memo.state(), for the next miss
    stderr: str = ""  # what the load printed (`exceptions.warn` in templates), replayed
    dag: Any = None  # the project's core.dag.Dag, which costs a warm load more to build
    inputs: Any = None  # delta_load.Inputs: what changed since, for a load after an edit
    # Models whose node a delta load replaced since the memos were made: the memos' entries
    # naming them (model_cache's compiled models, by id) no longer stand for those nodes.
    stale: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class Overlay:
    """A delta load as what differs from the load of the main file (`base`, by key)."""

    key: str
    base: str
    nodes: Mapping[Any, Any]
    parents: Mapping[Any, Any]
    fingerprints: Mapping[Any, Any]
    dag: Any  # None: the base's
    inputs: Any
    stale: frozenset[Any]

    def on(self, base: CachedLoad) -> CachedLoad:
        return dataclasses.replace(
            base, key=self.key, nodes={**base.nodes, **self.nodes},
            parents={**base.parents, **self.parents},
            fingerprints={**base.fingerprints, **self.fingerprints},
            dag=self.dag if self.dag is not None else base.dag, inputs=self.inputs,
            stale=self.stale)


@dataclass(frozen=True)
class Previous:
    """The last load as a miss reads it: `entry` (the overlay applied), the main file's own
    load (`base`), and its memos and property entries, still pickled."""

    entry: CachedLoad
    base: CachedLoad
    memos: bytes
    props: bytes | None


def read_cache(path: Path, key: str | None) -> CachedLoad | None:
    """The cached load if its key matches; None on any doubt (missing, foreign, stale, broken).
    `key=None` reads whatever load is there, with its memos (for a miss)."""
    if key is None:
        found = read_previous(path)
        if found is None:
            return None
        try:
            return dataclasses.replace(found.entry, memos=unpickle(found.memos))
        except BROKEN:
            return None
    try:
        with open(path, "rb") as handle:
            head = handle.readline().rstrip(b"\n")
            if head == f"{FORMAT} {key}".encode():
                entry = unpickle(handle)
                return entry if _whole(entry) and entry.key == key else None
        overlay = _overlay(path, key)
        if overlay is None:
            return None
        base = read_cache(path, overlay.base)
    except BROKEN:
        return None
    return overlay.on(base) if base is not None else None


def read_previous(path: Path) -> Previous | None:
    """Whatever load is there, with its memos and models' property entries still pickled."""
    try:
        with open(path, "rb") as handle:
            if not handle.readline().startswith(f"{FORMAT} ".encode()):
                return None
            entry, memos, props = unpickle(handle), unpickle(handle), unpickle(handle)
        if not (_whole(entry) and isinstance(memos, bytes)
                and isinstance(props, (bytes, type(None)))):
            return None
        overlay = _overlay(path, None)
    except BROKEN:
        return None
    on = overlay.on(entry) if overlay is not None and overlay.base == entry.key else entry
    return Previous(on, entry, memos, props)


def _overlay(path: Path, key: str | None) -> Overlay | None:
    """The overlay beside the main file, if there is one (of load `key` when given)."""
    try:
        with open(path.with_name(OVERLAY_NAME), "rb") as handle:
            head = handle.readline().rstrip(b"\n").split(b" ")
            if len(head) != 3 or head[0] != FORMAT.encode() or (
                    key is not None and head[1] != key.encode()):
                return None
            overlay = unpickle(handle)
    except FileNotFoundError:
        return None
    if not isinstance(overlay, Overlay) or overlay.key.encode() != head[1]:
        return None
    return overlay


def unpickle(source: Any) -> Any:
    """A pickle read with the cyclic garbage collector paused, its objects then moved to the
    oldest generation untraversed (freeze, unfreeze: nothing stays frozen that was not, as
    under `core.heap.frozen_heap`). Unpickling makes no garbage, but its 100,000s of new
    objects started collection after collection, each traversing them all again: half the
    time of a warm load."""
    from warehouse.core.heap import collector_paused, promote_to_oldest

    with collector_paused():
        try:
            return pickle.loads(source) if isinstance(source, bytes) else pickle.load(source)
        finally:
            promote_to_oldest()


def _whole(entry: Any) -> bool:
    """A CachedLoad with every field this engine reads (one pickled by another version of
    the engine may lack some)."""
    return isinstance(entry, CachedLoad) and all(
        hasattr(entry, field.name) for field in dataclasses.fields(CachedLoad))


def write_cache(path: Path, entry: CachedLoad, memos: bytes | None = None,
                props: bytes | None = None) -> None:
    """Write atomically (temp file, rename): a reader sees the old cache or the new one.
    A cache that cannot be written (read-only target/) only costs the next load time.
    `memos`: the memos already pickled (else `entry.memos` are)."""
    from warehouse.core.atomic import write_atomic

    header = f"{FORMAT} {entry.key}\n".encode()
    bare = dataclasses.replace(entry, memos={})
    if memos is None:
        memos = pickle.dumps(dict(entry.memos), protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        write_atomic(path, b"".join((header, *(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
                                              for part in (bare, memos, props)))))
        path.with_name(OVERLAY_NAME).unlink(missing_ok=True)  # (made of an older load)


def write_overlay(path: Path, previous: Previous, entry: CachedLoad) -> None:
    """`entry`, a delta load made from `previous.entry`, written as what differs from the
    main file's load; the whole of it when that is most of it (the main file then holds
    it, with the memos and property entries as they were)."""
    from warehouse.core.atomic import write_atomic

    base = previous.base
    nodes = _not_theirs(entry.nodes, base.nodes)
    if len(nodes) > len(entry.nodes) // 4 or not _same_keys(entry.nodes, base.nodes):
        write_cache(path, entry, previous.memos, previous.props)
        return
    overlay = Overlay(
        entry.key, base.key, nodes, _not_theirs(entry.parents, base.parents),
        _not_theirs(entry.fingerprints, base.fingerprints),
        entry.dag if entry.dag is not base.dag else None, entry.inputs, entry.stale)
    header = f"{FORMAT} {entry.key} {base.key}\n".encode()
    with contextlib.suppress(OSError):
        write_atomic(path.with_name(OVERLAY_NAME),
                     header + pickle.dumps(overlay, protocol=pickle.HIGHEST_PROTOCOL))


def _in_step(now: Mapping[Any, Any], before: Mapping[Any, Any]) -> bool:
    """Whether both hold the very same key objects in the same order: a delta load keeps
    the last load's dicts' keys and order, so each entry is compared with the one at
    its place, no key hashed (a NodeId hashes in Python: 37,500 of them at 5,000
    models, 20 ms of a one-model rebuild)."""
    return len(now) == len(before) and all(map(operator.is_, now, before))


def _same_keys(now: Mapping[Any, Any], before: Mapping[Any, Any]) -> bool:
    return _in_step(now, before) or now.keys() == before.keys()


def _not_theirs(now: Mapping[Any, Any], before: Mapping[Any, Any]) -> dict[Any, Any]:
    """The entries of `now` whose value is not `before`'s very object under that key."""
    if _in_step(now, before):
        return {k: v for k, v, old in zip(now, now.values(), before.values(), strict=True)
                if v is not old}
    return {k: v for k, v in now.items() if before.get(k, _ABSENT) is not v}


_ABSENT = object()
