"""Property files parsed once: the whole parse kept while no YAML changed, and each file's
parse kept while its text did not.

A load that misses the parse cache (a model edited) needs the parsed property
files again. `load_properties` is a function of their texts alone, so its result is
kept in target/ under a digest of every property file's text and the engine:
such a miss parses no YAML. When one file changed, only that file is parsed
again: each file's `load_yaml` result is kept too, by its text, as pickled bytes
(so the checks and merging that follow always get fresh objects, never ones a
previous load may have changed), and the merge and its checks run over all files
as always, so a name declared in two files is still found.

The file is separate from the parse cache and read only on its miss: first the
merged result, then (only when that is stale) the per-file parses.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Mapping
from typing import Any

PROPERTIES_NAME = "parse_cache.properties.pickle"
_ERRORS = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError,
           ValueError, IndexError)


def cached_properties(config: Any, files: Any, engine: str) -> Any:
    """`load_properties(files.properties)`, from target/ when it can be. `engine`: what the
    parse depends on besides the texts (the engine's signature and the cache format)."""
    from warehouse.core.properties import load_properties

    h = hashlib.sha256(engine.encode())
    for rel in sorted(files.properties):
        h.update(f"\0{rel}\0{files.properties[rel]}".encode())
    header = f"properties {h.hexdigest()}\n".encode()
    path = config.root / config.target_dir / PROPERTIES_NAME
    parsed: Mapping[str, tuple[str, bytes]] = {}
    try:
        with open(path, "rb") as handle:
            first = handle.readline()
            if first == header:
                return pickle.load(handle)
            pickle.load(handle)  # (the merged result of other texts)
            kept_engine, parsed = pickle.load(handle)
            if kept_engine != engine or not isinstance(parsed, Mapping):
                parsed = {}
    except _ERRORS:
        parsed = {}
    reader = _Reader(parsed)
    properties = load_properties(files.properties, read_yaml=reader)
    from warehouse.core.atomic import write_atomic

    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        write_atomic(path, header + pickle.dumps(properties, protocol=pickle.HIGHEST_PROTOCOL)
                     + pickle.dumps((engine, reader.used), protocol=pickle.HIGHEST_PROTOCOL))
    return properties


class _Reader:
    """`load_yaml`, answered from the last load's parse of the same text when there is one;
    `used` holds this load's parses (by path: digest of the text, pickled data)."""

    def __init__(self, parsed: Mapping[str, tuple[str, bytes]]) -> None:
        self._parsed = parsed
        self.used: dict[str, tuple[str, bytes]] = {}

    def __call__(self, text: str, path: str) -> Any:
        from warehouse.core.yaml_load import load_yaml

        digest = hashlib.sha256(text.encode()).hexdigest()
        found = self._parsed.get(path)
        if isinstance(found, tuple) and len(found) == 2 and found[0] == digest:
            with contextlib.suppress(*_ERRORS):
                data = pickle.loads(found[1])
                self.used[path] = found
                return data
        data = load_yaml(text, path)
        with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
            self.used[path] = (digest, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        return data
