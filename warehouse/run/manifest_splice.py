"""manifest.json after a one-model edit: the last file with the entries that changed replaced.

At 5,000 models the manifest is 19 MB; writing it in full (every entry built,
then encoded) was two fifths of a one-model rebuild after loading. When the
project was loaded from the last one with only model files edited
(compile/delta_load.py), it says so (`changed_since`: the last load's cache key
and the nodes at or below the edited models, or None when an edge changed).
Only those entries can differ: every other entry is a function of a node, its
fingerprint and its parents, all kept as they were, and of the project's
configuration, which is part of the key. So when manifest.json is the very file
written for that last load (its key and its size, mtime and inode recorded
beside it), the new file is the old one with the metadata and those entries
encoded again, byte for byte what a full write gives (tests compare). The old
file is not read into the interpreter: the entries are found in it mapped, and
the new file is its kept spans copied by the kernel around the new texts (the
manifest is written on a thread while the build's own thread plans).

Any doubt (another key, a file edited since, an entry not found where it
should be, many entries changed) and the caller writes the whole file.
"""

from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MOST = 64  # more changed entries than this: a full write (each is found by a scan)
_START = b'{"metadata": '
_NODES = b', "nodes": {'


def identity(path: Path) -> str:
    """What changes when the file does: size, mtime and inode."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino}"


def spliced(path: Path, recorded: str, version: str, project: Any, head: dict[str, Any],
            entry: Any) -> Splice | None:
    """How to make the new manifest from the file at `path`, or None when it must be written
    in full. `recorded`: the key file's text ("<version> <key>" then the identity); `head`:
    the new metadata; `entry(node_id)`: a node's new entry."""
    since = getattr(project, "changed_since", None)
    if since is None or since[1] is None or len(since[1]) > MOST:
        return None
    key, _, written = recorded.partition("\n")
    if key != f"{version} {since[0]}" or not written:
        return None
    try:
        with open(path, "rb") as handle:
            if _identity(handle) != written or os.fstat(handle.fileno()).st_size < len(_START):
                return None
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as text:
                cuts = _cuts(text, head, entry, since[1])
    except (OSError, ValueError):
        return None
    return Splice(path, written, cuts) if cuts is not None else None


def _identity(handle: Any) -> str:
    st = os.fstat(handle.fileno())
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino}"


def _cuts(text: Any, head: dict[str, Any], entry: Any, node_ids: Any
          ) -> tuple[tuple[int, int, bytes], ...] | None:
    """The spans of `text` (the old file, mapped) to replace: its metadata and the entries of
    `node_ids`."""
    if text[:len(_START)] != _START:
        return None
    old_head = _value_at(text, len(_START))
    if old_head is None or text[old_head[1]:old_head[1] + len(_NODES)] != _NODES:
        return None
    cuts = [(len(_START), old_head[1], json.dumps(head, default=str).encode("ascii"))]
    for node_id in node_ids:
        found = _span(text, entry, node_id)
        if found is None:
            return None
        cuts.append(found)
    cuts.sort()
    if any(a[1] > b[0] for a, b in zip(cuts, cuts[1:], strict=False)):
        return None  # (overlapping: cannot happen in a well-formed file)
    return tuple(cuts)


def _span(text: Any, entry: Any, node_id: Any) -> tuple[int, int, bytes] | None:
    """Where the old entry of `node_id` is, and its new text."""
    new = entry(node_id)
    if new is None:
        return None
    uid = json.dumps(new["unique_id"])
    start = text.find(f'{uid}: {{"unique_id": {uid}'.encode("ascii"))
    if start < 0:
        return None
    begin = start + len(uid) + 2
    old = _value_at(text, begin)
    if old is None or not isinstance(old[0], dict) or old[0].get("unique_id") != new[
            "unique_id"]:
        return None
    return begin, old[1], json.dumps(new, default=str).encode("ascii")


def _value_at(text: Any, begin: int) -> tuple[Any, int] | None:
    """The JSON value at byte `begin` of `text` and the byte where it ends; None when there
    is none (or it is not ASCII: json.dumps escapes everything else). Read in windows that
    grow until the value fits: an entry is kilobytes of a file of megabytes."""
    decoder, window = json.JSONDecoder(), 1 << 16
    if text[begin:begin + 1] != b"{":
        return None  # (an object, which a window cut short cannot pass for: no number)
    while True:
        chunk = text[begin:begin + window]
        try:
            value, end = decoder.raw_decode(chunk.decode("ascii"))
        except UnicodeDecodeError:
            return None
        except ValueError:
            if begin + window >= len(text):
                return None
            window *= 4
            continue
        return value, begin + end


@dataclass(frozen=True)
class Splice:
    """The new manifest as the old file (`source`, as `identity` says it was when read) with
    spans replaced: (begin, end, new bytes), in order."""

    source: Path
    identity: str
    cuts: tuple[tuple[int, int, bytes], ...]

    def write(self, path: Path) -> bool:
        """Write the new file atomically (temp file, rename); False, with nothing written, when
        the old file changed since it was read (the caller writes in full). The kept spans
        are copied by the kernel where it can (`os.copy_file_range`): no megabytes through
        the interpreter, whose lock the build's own thread waits for meanwhile."""
        from warehouse.core.atomic import atomic_file

        try:
            with open(self.source, "rb") as old, atomic_file(path) as out:
                if _identity(old) != self.identity:
                    raise _Moved
                at = 0
                for begin, end, new in self.cuts:
                    _copy(old, out, at, begin)
                    out.write(new)
                    at = end
                _copy(old, out, at, os.fstat(old.fileno()).st_size)
        except _Moved:
            return False
        return True


class _Moved(Exception):
    """The old manifest is another file than the one read: nothing to splice from."""


def _copy(old: Any, out: Any, begin: int, end: int) -> None:
    """Bytes `begin` to `end` of the open file `old` appended to the open file `out`."""
    out.flush()
    fd, at = out.fileno(), out.tell()
    try:
        while begin < end:
            copied = os.copy_file_range(old.fileno(), fd, end - begin, begin, at)
            if copied <= 0:
                raise OSError("copy_file_range copied nothing")
            begin, at = begin + copied, at + copied
    except (OSError, AttributeError):  # another system, file system or kernel
        old.seek(begin)
        out.seek(at)
        out.write(old.read(end - begin))
    out.seek(0, os.SEEK_END)
