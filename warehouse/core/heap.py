"""The engine's policies for Python's cycle collector and the process's heap, in one place.

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


def as_a_program(*, runs_threads: bool) -> None:
    """Policies for the `warehouse` process itself, not for a caller that goes on (the
    test suite, a server).

    At exit, the cycle collector's last walks over everything still alive (a loaded
    project is hundreds of thousands of objects) were a tenth of a second of a build of
    500 models, to free memory the process was about to give back anyway. Frozen after
    every `atexit` function registered later has run (they run last registered first),
    they find nothing to walk; output is still flushed and every exit function runs.

    A command that runs nodes (`runs_threads`) has DuckDB's threads, the worker, the
    late checks and the manifest's writer allocating at once; glibc gives each thread
    an arena of its own, and what one arena holds the others cannot reuse: a cold build
    of 5,000 models peaked at 1,411 MiB, 1,335 MiB with two arenas (its time the same
    within the floor's own spread)."""
    import atexit

    atexit.register(gc.freeze)
    if runs_threads:
        fewer_malloc_arenas()


def fewer_malloc_arenas(most: int = 2) -> bool:
    """glibc's `mallopt(M_ARENA_MAX, most)`; whether it was applied (not elsewhere)."""
    try:
        import ctypes

        return ctypes.CDLL(None).mallopt(-8, most) == 1  # M_ARENA_MAX, from malloc.h
    except (AttributeError, OSError, TypeError):  # (not glibc: macOS, musl, Windows)
        return False
