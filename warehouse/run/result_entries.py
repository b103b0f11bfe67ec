"""run_results.json's `results`: each node's entry, and all of them as JSON text, fast.

A one-model rebuild at 5,000 models reports 12,500 results, nearly all of them
nodes left alone. Making a dict per result and encoding the list with
json.dumps was a tenth of that rebuild. An entry's layout is the same for
every result, only its values differ; so the text is written from a template
made once from the layout itself (`_layout` given markers in place of the
values, encoded by json.dumps), each value encoded as json.dumps encodes it
(strings by the json module's own escaping function). A value of a type the
template does not know (a float that is not finite, a number of another class)
sends that entry to json.dumps of its dict. Either way the text is exactly
`json.dumps(entries, default=str)` (tests compare).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring_ascii as _json_string  # json.dumps's own (C)
from typing import Any

KEY = "warehouse"  # where our own fields live in dbt's free-form objects (as artifacts')
_DBT_STATUS = {"unchanged": "success"}  # dbt has no word for a node reused as it was
_FIELDS = ("unique_id", "status", "execution_time", "message_or_status", "rows_affected",
           "node", "own_status", "rows", "relation", "reused", "reason", "message",
           "failures")


def _values(r: Any, ids: Mapping[Any, str]) -> tuple[Any, ...]:
    """What an entry says of result `r`, in `_FIELDS` order."""
    status = r.status
    if status == "unchanged" and r.node_id.kind.value in ("test", "unit_test"):
        status = "pass"
    detail, node = r.detail, str(r.node_id)
    return (ids.get(r.node_id, node), _DBT_STATUS.get(status, status), round(r.elapsed, 4),
            r.message or r.status, r.rows if r.rows is not None else -1, node, r.status,
            r.rows, r.relation, bool(detail.get("reused")), detail.get("reason"),
            r.message or None, r.failures)


def _layout(unique_id: Any, status: Any, execution_time: Any, message_or_status: Any,
            rows_affected: Any, node: Any, own_status: Any, rows: Any, relation: Any,
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


def entries_json(results: Iterable[Any], ids: Mapping[Any, str]) -> str:
    """`json.dumps([entry(r, ids) for r in results], default=str)`, made faster."""
    literals, slots = _template()
    out = []
    for r in results:
        values = _values(r, ids)
        texts = [_encoded(v) for v in values]
        if None in texts:  # (a value the template does not know how to write)
            out.append(json.dumps(_layout(*values), default=str))
            continue
        parts = [literals[0]]
        for slot, literal in zip(slots, literals[1:], strict=True):
            parts += (texts[slot], literal)
        out.append("".join(parts))
    return "[" + ", ".join(out) + "]"


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


_made: tuple[list[str], list[int]] | None = None


def _template() -> tuple[list[str], list[int]]:
    """The layout's text around its values: literals[0], value slots[0], literals[1], ...
    Made from `_layout` itself, so that the two cannot disagree."""
    global _made
    if _made is None:
        markers = [f"@@warehouse-value-{i}@@" for i in range(len(_FIELDS))]
        text = json.dumps(_layout(*markers))
        pieces = re.split(r'"@@warehouse-value-(\d+)@@"', text)
        _made = (pieces[0::2], [int(i) for i in pieces[1::2]])
    return _made
