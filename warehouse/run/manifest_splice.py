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
encoded again, byte for byte what a full write gives (tests compare).

Any doubt (another key, a file edited since, an entry not found where it
should be, many entries changed) and the caller writes the whole file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MOST = 64  # more changed entries than this: a full write (each is found by a scan)
_NODES = ', "nodes": {'


def identity(path: Path) -> str:
    """What changes when the file does: size, mtime and inode."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino}"


def spliced(path: Path, recorded: str, version: str, project: Any, head: dict[str, Any],
            entry: Any) -> bytes | None:
    """The new manifest made from the file at `path`, or None when it must be written in
    full. `recorded`: the key file's text ("<version> <key>" then the identity); `head`:
    the new metadata; `entry(node_id)`: a node's new entry."""
    since = getattr(project, "changed_since", None)
    if since is None or since[1] is None or len(since[1]) > MOST:
        return None
    key, _, written = recorded.partition("\n")
    if key != f"{version} {since[0]}" or not written or written != identity(path):
        return None
    try:
        text = path.read_bytes().decode("ascii")  # (json.dumps escapes everything else)
    except (OSError, UnicodeDecodeError):
        return None
    decoder = json.JSONDecoder()
    try:
        metadata_end = decoder.raw_decode(text, len('{"metadata": '))[1]
    except ValueError:
        return None
    if not text.startswith('{"metadata": ') or not text.startswith(_NODES, metadata_end):
        return None
    cuts = [(len('{"metadata": '), metadata_end, json.dumps(head, default=str))]
    for node_id in since[1]:
        found = _span(text, decoder, entry, node_id)
        if found is None:
            return None
        cuts.append(found)
    return _joined(text, cuts)


def _span(text: str, decoder: json.JSONDecoder, entry: Any, node_id: Any
          ) -> tuple[int, int, str] | None:
    """Where the old entry of `node_id` is, and its new text."""
    new = entry(node_id)
    if new is None:
        return None
    uid = json.dumps(new["unique_id"])
    start = text.find(f'{uid}: {{"unique_id": {uid}')
    if start < 0:
        return None
    begin = start + len(uid) + 2
    try:
        old, end = decoder.raw_decode(text, begin)
    except ValueError:
        return None
    if not isinstance(old, dict) or old.get("unique_id") != new["unique_id"]:
        return None
    return begin, end, json.dumps(new, default=str)


def _joined(text: str, cuts: list[tuple[int, int, str]]) -> bytes | None:
    cuts.sort()
    parts, at = [], 0
    for begin, end, new in cuts:
        if begin < at:
            return None  # (overlapping: cannot happen in a well-formed file)
        parts += [text[at:begin], new]
        at = end
    parts.append(text[at:])
    return "".join(parts).encode("ascii")
