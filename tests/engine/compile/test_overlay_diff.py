"""What a delta load's overlay holds (compile/cache_file.write_overlay): the entries that
are not the main file's very objects, found by position when the keys are the main
file's own in its order, by key otherwise, the same either way."""

from __future__ import annotations

from warehouse.compile.cache_file import _not_theirs, _same_keys
from warehouse.core.identity import NodeId, NodeKind


def ids(n: int) -> list[NodeId]:
    return [NodeId(NodeKind.MODEL, f"m{i}") for i in range(n)]


def test_by_position_or_by_key_the_same_entries():
    keys = ids(6)
    values = [object() for _ in keys]
    before = dict(zip(keys, values, strict=True))
    now = dict(before)
    now[keys[2]], now[keys[5]] = object(), object()
    expected = {keys[2]: now[keys[2]], keys[5]: now[keys[5]]}
    assert _not_theirs(now, before) == expected  # (in step: by position)
    shuffled = {k: now[k] for k in reversed(keys)}  # another order: by key
    assert _not_theirs(shuffled, before) == expected
    equal_ids = {NodeId(k.kind, k.name): v for k, v in now.items()}  # other objects
    assert _not_theirs(equal_ids, before) == expected
    assert _same_keys(now, before) and _same_keys(shuffled, before)
    assert _same_keys(equal_ids, before)


def test_keys_added_or_gone_are_seen():
    keys = ids(4)
    before = {k: object() for k in keys[:3]}
    now = {**before, keys[3]: None}  # (a value that is None is not the main file's)
    assert _not_theirs(now, before) == {keys[3]: None}
    assert not _same_keys(now, before)
    del now[keys[0]]
    assert not _same_keys(now, before)
    assert _not_theirs(now, before) == {keys[3]: None}
