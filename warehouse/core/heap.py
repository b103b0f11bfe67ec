"""The engine's policies for Python's cycle collector, in one place.

A loaded project of 5,000 models is millions of objects that live until the
command ends and make no cyclic garbage. Left alone, the collector walks them
again and again, set off by allocations that free nothing: while a project
loads, while a cache is unpickled, while a manifest is encoded, and while a
run allocates its plan, results and state rows. Each policy below answers one
of these, and each gives the collector back as it found it, so that a process
that goes on (the test suite, a server) collects as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Objects alive at entry are not scanned by the collector until exit (a third of a
    one-model rebuild's time after loading went to walking the loaded project). Nested
    use leaves the outer freeze in place until the outer exit."""
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off while work that makes no cycles allocates a great deal (a
    manifest's entries and json's encoder: half the time of writing the manifest at
    5,000 models); on again after, if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def promote_to_oldest() -> None:
    """Move every object alive now to the oldest generation without walking it (freeze,
    then unfreeze: nothing stays frozen that was not, as under `frozen_heap`), so that
    the collections right after a large unpickle do not walk all its objects again."""
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    if not outer:
        gc.unfreeze()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The youngest generation collected every 50,000 allocations instead of 700 while a
    project loads. A load makes millions of objects that live (nodes, their configs) and
    little cyclic garbage (a parsed query's tree, freed young); at 700, collections kept
    promoting the live ones and walking them all again: 15% of a cold load of 5,000
    models. Restored after."""
    saved = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
