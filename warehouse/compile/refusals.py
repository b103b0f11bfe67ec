"""Nodes kept in the project although they cannot be built: refused per node, not per load.

A dbt project that uses one construct the engine does not support (a python
model, a config it would not honour such as `incremental_predicates`, a
materialization it does not have, a contract it cannot check as written)
still loads: that node is kept with a `Refusal` (core/nodes.py), the error at
the file and line that wrote the construct. The runner reports it as the
node's error when it runs, so what reads it is skipped and everything else
builds (unpublished, as after any failed node). Errors that leave the project
without a meaning (YAML syntax, a ref() to nothing, a cycle) still stop the
load, with their location.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from warehouse.core.errors import ProjectError, Unsupported
from warehouse.core.nodes import ModelNode, Refusal

N = TypeVar("N")
_PY_REF = re.compile(r"""dbt\.ref\(\s*['"]([^'"]+)['"]""")
_PY_SOURCE = re.compile(r"""dbt\.source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]""")
_PY_DEF = re.compile(r"^\s*def\s+model\s*\(", re.M)


def refusal_of(work: Callable[..., Any], *args: Any) -> Refusal | None:
    """Run `work(*args)`; the Refusal it raised (an Unsupported error, or a contract that
    cannot be checked), or None."""
    from warehouse.compile.contracts import ContractError

    try:
        work(*args)
    except (Unsupported, ContractError) as exc:
        return Refusal.of(exc)
    return None


def or_refused(node: N, work: Callable[..., N], *args: Any, **kwargs: Any) -> N:
    """`work(node, *args, **kwargs)`, or `node` refused with the error it raised."""
    from warehouse.compile.contracts import ContractError

    try:
        return work(node, *args, **kwargs)
    except (Unsupported, ContractError) as exc:
        return replace(node, refused=Refusal.of(exc))  # type: ignore[type-var]


def python_model_refusal(path: str, text: str) -> Refusal:
    match = _PY_DEF.search(text)
    line = text.count("\n", 0, match.start()) + 1 if match else None
    error = ProjectError("python models are not supported: this model would build a table "
                         "from a DataFrame, which the engine cannot run", path=path, line=line,
                         hint="write the model as SQL, or build it with dbt")
    return Refusal.of(error)


def python_model_node(path: str, text: str, config: Mapping[str, Any], relation: Any, *,
                      known: set[str], source_ids: set[str]) -> ModelNode:
    """A python model as a refused node: its `dbt.ref()` and `dbt.source()` calls, where they
    name nodes of the project, order it (what reads it is skipped when it fails)."""
    refs = tuple(dict.fromkeys(r for r in _PY_REF.findall(text) if r in known))
    sources = tuple(dict.fromkeys((s, t) for s, t in _PY_SOURCE.findall(text)
                                  if f"{s}.{t}" in source_ids))
    return ModelNode(name=Path(path).stem, path=path, template=text, config=dict(config),
                     relation=relation, refs=refs, sources=sources, compiled_sql="",
                     refused=python_model_refusal(path, text))
