"""The run's frozen heap (core/heap.py): the collector skips what was alive before, and
everything is given back to it afterwards, so a process that goes on still frees cycles."""

import gc
import weakref

from warehouse.core.heap import frozen_heap


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_objects_alive_before_are_given_back_to_the_collector():
    before = _Cycle()
    gone = weakref.ref(before)
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        del before
        gc.collect()
        assert gone() is not None  # frozen: the collector does not see its cycle
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None


def test_cycles_made_inside_are_collected_inside():
    with frozen_heap():
        made = _Cycle()
        gone = weakref.ref(made)
        del made
        gc.collect()
        assert gone() is None


def test_nested_use_keeps_the_outer_freeze_until_the_outer_exit():
    with frozen_heap():
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
