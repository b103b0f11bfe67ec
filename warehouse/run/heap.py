"""The loaded project kept out of Python's cycle collector while a command runs on it.

A loaded project of 5,000 models is millions of objects that live until the
command ends. Each time the collector's oldest generation runs (set off by
the objects a run allocates: plan, results, state rows, artifacts) it walks
all of them, and finds nothing to free: a third of a one-model rebuild's
time after loading went there. `gc.freeze()` moves every object alive now
out of the collector's reach, so it walks only what the run allocates;
`gc.unfreeze()` gives them back at the end, so a process that goes on (the
test suite, a server) collects them as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Objects alive at entry are not scanned by the collector until exit. Nested use
    leaves the outer freeze in place until the outer exit."""
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()
