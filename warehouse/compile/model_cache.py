"""Per-model caching of a load's two render passes: a one-model edit renders that model only.

The parse cache (`parse_cache`) answers a load whose inputs are all unchanged.
After an edit it loads again, and without this module every model would be
rendered twice with Jinja. Here each model's work is kept under a key of
everything it can depend on, so the models an edit cannot reach are taken
from the last load:

* the *first pass* (what `ref()`, `source()` and `config()` calls a model
  makes) is a function of its template and of the project-wide inputs of
  rendering (`context`): the engine, the configuration, the vars, the macros
  (the root project's and the packages'), the docs blocks, the snapshot files
  and the values of the environment variables templates read;
* the *compiled model* (second pass, ephemeral models inlined, SQL checked
  and analysed) is a function of `context`, of the model as the first pass
  and its property file made it (config, relation, refs, columns, contract)
  and of what its `ref()`s and `source()`s resolve to: each node's kind and
  relation, and for an ephemeral model, the same of its own references.

A template that can read another file itself (`{% include %}`, `{% import %}`,
`{% from %}`, `{% extends %}`) is never kept: its text alone does not say what
it renders. When a macro or snapshot file does so, `context` is None and
nothing is kept. Errors are never kept (a computation that raises stores
nothing), and what a render printed (`exceptions.warn`) is kept with its
result and printed again.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from operator import attrgetter
from typing import Any

from warehouse.compile.memo import Memo
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node

_READS_FILES = re.compile(r"{%-?\s*(include|import|from|extends)\b")
_VERSION = "model-cache/1"


def render_context(parts: list[str]) -> str:
    """One digest of the project-wide inputs of rendering (see the module docstring)."""
    h = hashlib.sha256(_VERSION.encode())
    for part in parts:
        h.update(b"\0")
        h.update(part.encode())
    return h.hexdigest()


def reads_other_files(text: str) -> bool:
    return "{%" in text and _READS_FILES.search(text) is not None


class FirstPass:
    """What the first render pass of one model recorded (the RenderState's lists)."""

    __slots__ = ("refs", "sources", "config", "refused")

    def __init__(self, refs: list, sources: list, config: dict, refused: Any) -> None:
        self.refs, self.sources, self.config, self.refused = refs, sources, config, refused

    def __getstate__(self) -> tuple:
        return self.refs, self.sources, self.config, self.refused

    def __setstate__(self, state: tuple) -> None:
        self.refs, self.sources, self.config, self.refused = state


class ModelCache:
    """The two memos, carried from one load to the next in the parse cache's file.
    `context`: `render_context(...)`, or None when nothing may be kept."""

    def __init__(self, context: str | None, state: Mapping[str, Any] | None = None,
                 nodes: Mapping[NodeId, Node] | None = None) -> None:
        """`state`: the last load's `state()`; `nodes`: that load's nodes, where its
        compiled models are (the state names them by id: pickled once, with the load)."""
        state = state or {}
        self.context = context
        version = context or "off"
        self.first = Memo[tuple[FirstPass, str]].carried(version, state.get("first"))
        self.compiled = Memo[tuple[ModelNode, str]].carried(
            version, _by_node(state.get("compiled"), nodes or {}))

    def state(self) -> dict[str, Any]:
        version, compiled = self.compiled.state()
        return {"first": self.first.state(),
                "compiled": (version, {k: (node.id, printed)
                                       for k, (node, printed) in compiled.items()})}

    def first_pass(self, path: str, template: str,
                   compute: Callable[[], FirstPass]) -> FirstPass:
        """The model's first pass, from the memo when its template and `context` match."""
        if self.context is None or reads_other_files(template):
            return compute()
        return _kept(self.first, f"{path}\0{template}", compute)

    def compiled_model(self, model: ModelNode, nodes: Mapping[NodeId, Node],
                       compute: Callable[[], ModelNode]) -> ModelNode:
        """The compiled model, from the memo when the model and what it reads match."""
        if self.context is None or reads_other_files(model.template):
            return compute()
        # Descriptions and column properties are documentation: compiling does not read
        # them, so an edit of them compiles nothing again.
        key = "\0".join([*map(repr, _key_values()(model)), *_resolution(model, nodes, set())])
        found = _kept(self.compiled, key, compute)
        if found.description == model.description and found.columns == model.columns:
            return found  # (the kept node itself: pickled once, with the project's nodes)
        return replace(found, description=model.description, columns=model.columns)


def _by_node(state: Any, nodes: Mapping[NodeId, Node]) -> Any:
    """A compiled memo's state with each node id replaced by that node of the last load (a
    node that differs from the one kept only in documentation: a hit replaces that)."""
    if not (isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], Mapping)):
        return None
    version, known = state
    out = {}
    for key, value in known.items():  # (a memo another engine wrote may hold anything)
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], NodeId):
            node = nodes.get(value[0])
            if isinstance(node, ModelNode) and isinstance(value[1], str):
                out[key] = (node, value[1])
    return version, out


_KEY_FIELDS: list[str] = []
_KEY_VALUES: list[Callable[[ModelNode], tuple[Any, ...]]] = []


def _key_fields() -> list[str]:
    """ModelNode's fields but its documentation (`description`, `columns`)."""
    if not _KEY_FIELDS:
        _KEY_FIELDS.extend(f.name for f in fields(ModelNode)
                           if f.name not in ("description", "columns"))
    return _KEY_FIELDS


def _key_values() -> Callable[[ModelNode], tuple[Any, ...]]:
    """A model's `_key_fields` values at once (one attrgetter, read in C): each model's key
    reads 18 fields, and building the keys was 0.17 s of a 10,000-model load."""
    if not _KEY_VALUES:
        _KEY_VALUES.append(attrgetter(*_key_fields()))
    return _KEY_VALUES[0]


def _kept(memo: Memo[tuple[Any, str]], key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` remembered under `key` with what it printed; a remembered one's output
    is printed again (a fresh one's went through as it was printed)."""
    fresh = False

    def run(_key: str) -> tuple[Any, str]:
        nonlocal fresh
        fresh = True
        with StderrCopy(sys.stderr) as printed:
            value = compute()
        return value, printed.getvalue()

    value, printed = memo.get(key, run)
    if printed and not fresh:
        sys.stderr.write(printed)
    return value


def _resolution(model: ModelNode, nodes: Mapping[NodeId, Node], seen: set[str]) -> list[str]:
    """What `model`'s references resolve to, as text: kind and relation of each, and an
    ephemeral model's own node and references (its SQL is inlined)."""
    from warehouse.compile.resolve import ref_id

    out = []
    for name in model.refs:
        node = nodes.get(ref_id(nodes, name))
        if node is None:
            out.append(f"ref {name}: none")
            continue
        out.append(f"ref {name}: {node.id} {node.relation!r}")
        if isinstance(node, ModelNode):
            out.append(node.materialized)
            if node.materialized == "ephemeral" and name not in seen:
                seen.add(name)
                out.append(repr(node))
                out.extend(_resolution(node, nodes, seen))
    for src, tbl in model.sources:
        node = nodes.get(NodeId(NodeKind.SOURCE, f"{src}.{tbl}"))
        out.append(f"source {src}.{tbl}: {node!r}")
    return out


class StderrCopy:
    """Stands in for sys.stderr for one computation: passes everything on and keeps a
    copy, so the warnings a template prints can be printed again when its result comes
    from a cache (one model here, a whole load in parse_cache)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._copy = io.StringIO()

    def write(self, text: str) -> int:
        self._copy.write(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def getvalue(self) -> str:
        return self._copy.getvalue()

    def __enter__(self) -> StderrCopy:
        self._saved = sys.stderr
        sys.stderr = self  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stderr = self._saved
