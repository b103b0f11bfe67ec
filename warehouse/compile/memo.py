"""A memo of work done on a text, carried from one load to the next by the parse cache.

A miss of the parse cache loads the whole project again, but most of what
it computes per model depends only on a text that did not change: a model's
rendered SQL is normalized for its fingerprint (`warehouse.compile.fingerprint`) and
syntax-checked and parsed for its tables and columns (`warehouse.compile.parse`).
A `Memo` remembers such results by the text's hash. Its `version` names the
code that computed them; a memo carried from another version is dropped.

Only what the current load asked for is kept (`used`), so a memo holds one
entry per distinct text of the last load and cannot grow without bound. A
computation that raises stores nothing: the error is raised again next time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")
_MISSING: Any = object()


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Memo(Generic[V]):
    """Results by the hash of the text they were computed from.

    >>> memo = Memo("v1")
    >>> memo.get("select 1", len), memo.get("select 1", lambda t: 0)
    (8, 8)
    >>> Memo.carried("v2", memo.state()).get("select 1", lambda t: 0)
    0
    """

    def __init__(self, version: str, known: Mapping[str, V] | None = None) -> None:
        self.version = version
        self._known = dict(known or {})
        self.used: dict[str, V] = {}

    @classmethod
    def carried(cls, version: str, state: tuple[str, Mapping[str, V]] | None) -> Memo[V]:
        """A memo that starts from a previous load's `state()` if its version is `version`."""
        if state is None or not isinstance(state, tuple) or len(state) != 2:
            return cls(version)
        previous, known = state
        return cls(version, known if previous == version else None)

    def get(self, text: str, compute: Callable[[str], V]) -> V:
        """`compute(text)`, or its remembered result."""
        key = text_key(text)
        found = self.used.get(key, _MISSING)
        if found is _MISSING:
            found = self._known.get(key, _MISSING)
        if found is _MISSING:
            found = compute(text)
        self.used[key] = found
        return found

    def state(self) -> tuple[str, dict[str, V]]:
        """What to keep for the next load: the version and the entries this load used."""
        return self.version, dict(self.used)
