"""run_results.json's `results`: each node's entry, and all of them as JSON text, fast.

A one-model rebuild at 5,000 models reports 12,500 results, nearly all of them
nodes left alone. Making a dict per result and encoding the list with
json.dumps was a tenth of that rebuild. An entry's layout is the same for
every result, only its values differ; so the text is written from a template
made once from the layout itself (`_layout` given markers in place of the
values, encoded by json.dumps), each value encoded as json.dumps encodes it
(strings by the json module's own escaping function). Nearly all entries of a
rebuild are one of a few shapes (unchanged, a stored pass: all values but the
node's ids and relation alike), so each shape's text is made once, keyed by its
values and their types (1, 1.0 and True are equal, and so are 0.0 and -0.0, but
json.dumps writes each its own way). A value of a type the template does not
know (a float that is not finite, a number of another class) sends that entry
to json.dumps of its dict. Either way the text is exactly
`json.dumps(entries, default=str)` (tests compare).
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring_ascii as _json_string  # json.dumps's own (C)
from typing import Any

KEY = "warehouse"  # where our own fields live in dbt's free-form objects (every artifact)
_DBT_STATUS = {"unchanged": "success"}  # dbt has no word for a node reused as it was
_FIELDS = ("unique_id", "node", "relation", "status", "execution_time", "message_or_status",
           "rows_affected", "own_status", "rows", "reused", "reason", "message", "failures")
_UNSEEN: Any = object()
# The first three are the node's own (its ids, its relation; entries_json reads them one
# by one): the rest, the entry's shape.
_OWN = 3


def _values(r: Any, ids: Mapping[Any, str]) -> tuple[Any, ...]:
    """What an entry says of result `r`, in `_FIELDS` order."""
    status = r.status
    if status == "unchanged" and r.node_id.kind.value in ("test", "unit_test"):
        status = "pass"
    detail, node = r.detail, str(r.node_id)
    return (ids.get(r.node_id, node), node, r.relation, _DBT_STATUS.get(status, status),
            round(r.elapsed, 4), r.message or r.status, r.rows if r.rows is not None else -1,
            r.status, r.rows, bool(detail.get("reused")), detail.get("reason"),
            r.message or None, r.failures)


def _layout(unique_id: Any, node: Any, relation: Any, status: Any, execution_time: Any,
            message_or_status: Any, rows_affected: Any, own_status: Any, rows: Any,
            reused: Any, reason: Any, message: Any, failures: Any) -> dict[str, Any]:
    """dbt's v6 result; our status, rows, relation and why it ran under `warehouse` in its
    adapter_response."""
    ours = {"node": node, "status": own_status, "rows": rows, "relation": relation,
            "reused": reused, "reason": reason}
    return {
        "unique_id": unique_id, "status": status,
        "timing": [], "thread_id": "Thread-1", "execution_time": execution_time,
        "adapter_response": {"_message": message_or_status, "rows_affected": rows_affected,
                             KEY: ours},
        "message": message, "failures": failures,
        "compiled": None, "compiled_code": None, "relation_name": relation,
    }


def entry(r: Any, ids: Mapping[Any, str]) -> dict[str, Any]:
    """Result `r` as run_results.json lays it out (`ids`: dbt's ids by node id)."""
    return _layout(*_values(r, ids))


def entries_json(results: Iterable[Any], ids: Mapping[Any, str],
                 made: Mapping[int, tuple[Any, str]] | None = None) -> str:
    """`json.dumps([entry(r, ids) for r in results], default=str)`, made faster: the text
    of each shape of entry (its values but the node's own: nearly all results of a
    rebuild are one of a few) is made once, with the node's own values to put in.
    `made`: texts `entry_texts` made before, of these very results (while the build
    published: run/artifacts.prepare_entries); a result not among them is made here."""
    made = made or {}
    fresh = entry_texts([r for r in results if made.get(id(r), _NONE)[0] is not r], ids)
    return "[" + ", ".join(made[id(r)][1] if id(r) in made and made[id(r)][0] is r
                           else fresh[id(r)][1] for r in results) + "]"


_NONE = (None, "")


def entry_texts(results: Iterable[Any], ids: Mapping[Any, str]) -> dict[int, tuple[Any, str]]:
    """Each result's entry text, by the result's id() (with the result, which keeps the id
    its own): what `entries_json` joins."""
    shapes: dict[Any, str | None] = {}
    in_text_order = operator.itemgetter(*_template()[2])
    out: dict[int, tuple[Any, str]] = {}
    for r in results:
        values = _values(r, ids)
        rest = values[_OWN:]
        try:  # (the types too: 1, 1.0 and True are equal, as are 0.0 and -0.0)
            key = (rest, tuple(map(type, rest)), repr(rest[1]))
            shape = shapes.get(key, _UNSEEN)
            if shape is _UNSEEN:
                shape = shapes[key] = _shape(rest)
        except TypeError:  # an unhashable value
            shape = _shape(rest)
        own = [_encoded(values[0]), _encoded(values[1]), _encoded(values[2])]  # (_OWN)
        if shape is None or None in own:  # (a value the template does not know)
            out[id(r)] = (r, json.dumps(_layout(*values), default=str))
        else:
            out[id(r)] = (r, shape % in_text_order(own))
    return out


def _shape(rest: tuple[Any, ...]) -> str | None:
    """The entry's text with `%s` where the node's own values go; None when a value is of
    a type the template does not know."""
    literals, slots, _own_slots = _template()
    texts = [_encoded(v) for v in rest]
    if None in texts:
        return None
    parts = [literals[0].replace("%", "%%")]
    for slot, literal in zip(slots, literals[1:], strict=True):
        parts += ("%s" if slot < _OWN else texts[slot - _OWN].replace("%", "%%"),
                  literal.replace("%", "%%"))
    return "".join(parts)


def _encoded(value: Any) -> str | None:
    """`value` as json.dumps writes it, or None for a type left to json.dumps."""
    kind = type(value)
    if kind is str:
        return _json_string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return None


_made: tuple[list[str], list[int], list[int]] | None = None


def _template() -> tuple[list[str], list[int], list[int]]:
    """The layout's text around its values: literals[0], value slots[0], literals[1], ...;
    and the slots of the node's own values, in order. Made from `_layout` itself, so that
    the two cannot disagree."""
    global _made
    if _made is None:
        markers = [f"@@warehouse-value-{i}@@" for i in range(len(_FIELDS))]
        text = json.dumps(_layout(*markers))
        pieces = re.split(r'"@@warehouse-value-(\d+)@@"', text)
        slots = [int(i) for i in pieces[1::2]]
        _made = (pieces[0::2], slots, [i for i in slots if i < _OWN])
    return _made
