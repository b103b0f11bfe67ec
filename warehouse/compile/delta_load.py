"""A load after only model files changed: the last load's project, those models made again.

A one-model edit used to assemble the whole project again: every model's
config, checks and relation, every test, the DAG and every fingerprint, even
with each model's render taken from `model_cache`. What a model's file can
change is that model's node (its SQL, its refs and sources), so its parents,
and the full fingerprints of the nodes below it. Everything else reads a model
only through its name, relation, materialization and config (a child's
`ref()`, a test's SQL), and a model's properties come from YAML. So when the
only inputs that changed since the last load are the texts of existing model
files (`Inputs`: the same engine, configuration, vars, environment values,
macros, YAML, tests, seeds ... and the same set of model files), each changed
model is rendered, checked and compiled as `assemble` does, among the last
load's nodes, and the rest is kept: the DAG when no edge changed, and every
fingerprint but those at or below a changed model.

The kept nodes stay right only if the new node differs from the old one where
nothing else looks: so the path is taken only when each changed model keeps
its name, config, relation, documentation and contract, is neither ephemeral
(its SQL is inlined into others) nor refused, the last load printed nothing,
the new renders print nothing, and no template reads another file
(`{% include %}` ...: it may read a model's). Unit tests render a model's
template with their own inputs: when the project has any, all of them are
built again among the new nodes (they are few beside the models), and those
that differ count as changed (the same set of ids, or the whole load). Anything
else returns None and the caller assembles the whole project as before; an
error in a changed model is raised as a whole load would raise it (the other
models rendered without one last time).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import pickle
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import ModelNode, Node

# Groups of files a load reads as text, as `ProjectFiles` names them.
TEXT_GROUPS = ("models", "properties", "macros", "docs", "tests", "snapshots", "fixtures",
               "python_models")
# What a model's own file can change without another node seeing it.
_OWN_FIELDS = frozenset({"template", "refs", "sources", "compiled_sql", "sql_columns",
                         "checksum", "incremental_sql", "volatile", "ephemeral_spans",
                         "incremental_spans", "runtime_kinds", "render_inputs"})


@dataclass(frozen=True)
class Inputs:
    """A load's inputs as digests: `rest` of everything but the model files' texts, and
    each model file's text. The parse cache's key is made of them (`key`)."""

    rest: str
    models: Mapping[str, str]

    @property
    def key(self) -> str:
        h = hashlib.sha256(self.rest.encode())
        for rel in sorted(self.models):
            h.update(f"\0{rel}\0{self.models[rel]}".encode())
        return h.hexdigest()


def load_inputs(config: Any, files: Any, vars: Mapping[str, Any], head: Iterable[str],
                env: Mapping[str, str | None]) -> Inputs:
    """`Inputs` of a load: `head` names the cache format, engine and configuration; `env`
    holds the values of the environment variables templates read."""
    h = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else part.encode())
            h.update(b"\0")

    add(*head, json.dumps(vars, sort_keys=True, default=repr))
    for group in TEXT_GROUPS:
        mapping = getattr(files, group)
        add(group, str(len(mapping)))
        if group != "models":
            for rel in sorted(mapping):
                add(rel, mapping[rel])
    add("seeds", str(len(files.seeds)))
    for rel in files.seeds:
        add(rel, (config.root / rel).read_bytes())
    add("env", json.dumps(env, sort_keys=True))
    models = {rel: hashlib.sha256(text.encode()).hexdigest()
              for rel, text in files.models.items()}
    return Inputs(h.hexdigest(), models)


def changed_models(before: Any, now: Inputs) -> list[str] | None:
    """The model files whose text changed when nothing else did; None otherwise."""
    if (not isinstance(before, Inputs) or before.rest != now.rest
            or before.models.keys() != now.models.keys()):
        return None
    return [rel for rel, digest in now.models.items() if before.models[rel] != digest]


def props_blob(props: Mapping[str, Any]) -> bytes:
    """Each model's property entry, pickled on its own (without its file's text, which the
    load has) so that a delta load unpickles only those of the models it renders."""
    return pickle.dumps({name: pickle.dumps(replace(p, text=""),
                                            protocol=pickle.HIGHEST_PROTOCOL)
                         for name, p in props.items()}, protocol=pickle.HIGHEST_PROTOCOL)


def reload_models(config: Any, files: Any, vars: Mapping[str, Any], previous: Any,
                  changed: list[str], blob: bytes | None, *,
                  analyze: Callable[..., Any] | None = None) -> Any:
    """The project of the last load (`previous`, a parse_cache.CachedLoad) with the model
    files `changed` made again, or None when the whole project must be assembled (see the
    module docstring). `blob`: the last load's `props_blob`; `analyze`: the models'
    analyser, as `resolve.compile_model` takes it (late checks: compile/late_checks.py)."""
    from warehouse.compile.model_cache import reads_other_files
    from warehouse.compile.model_checks import stem

    if previous.stderr or blob is None or previous.dag is None:
        return None
    old = {rel: previous.nodes.get(NodeId(NodeKind.MODEL, stem(rel))) for rel in changed}
    if any(not _plain(node, rel) for rel, node in old.items()):
        return None
    if any(reads_other_files(text) for group in ("models", "macros", "tests", "snapshots")
           for text in getattr(files, group).values()):
        return None  # (a template that reads another file may read a model's)
    try:
        kept = pickle.loads(blob)
        props = {name: pickle.loads(kept[name]) for name in (stem(rel) for rel in changed)
                 if name in kept}
        props = {name: replace(p, text=files.properties[p.path]) for name, p in props.items()}
    except (pickle.UnpicklingError, KeyError, TypeError, AttributeError, EOFError):
        return None
    made = _render(config, files, props, vars, previous.nodes, changed, analyze)
    if made is None or len(made[0]) != len(changed):
        return None
    models, renderer = made
    for model in models:
        if not _plain(model, model.path) or _outside(model) != _outside(old[model.path]):
            return None
    unit_tests = _unit_tests(config, files, renderer, vars, previous.nodes, models)
    if unit_tests is None:
        return None
    return _project(config, renderer, vars, previous, [*models, *unit_tests])


def _unit_tests(config: Any, files: Any, renderer: Any, vars: Mapping[str, Any],
                nodes: Mapping[NodeId, Node], models: list[ModelNode]) -> list[Node] | None:
    """The unit tests that differ from the last load's, all built again as `assemble` builds
    them (among every other node, the new models in place); None when one was added or
    removed or building them printed something (the whole load is made instead)."""
    old = {n: node for n, node in nodes.items() if n.kind is NodeKind.UNIT_TEST}
    if not old:
        return []
    from warehouse.compile.unit_render import render_for_test
    from warehouse.compile.unit_tests import build_unit_tests

    among = {n: node for n, node in nodes.items() if n.kind is not NodeKind.UNIT_TEST}
    among.update({m.id: m for m in models})
    built, printed = _quietly(lambda: build_unit_tests(config, files, renderer, vars, among,
                                                       render_for_test))
    if printed or {t.id for t in built} != old.keys():
        return None
    return [t for t in built if t != old[t.id]]


def _plain(node: Node | None, rel: str) -> bool:
    return (isinstance(node, ModelNode) and node.path == rel and node.refused is None
            and node.materialized != "ephemeral")


def _outside(node: ModelNode) -> tuple[Any, ...]:
    """What other nodes can see of a model: every field its own file alone decides left out."""
    return tuple(getattr(node, f.name) for f in fields(ModelNode) if f.name not in _OWN_FIELDS)


def _render(config: Any, files: Any, props: Mapping[str, Any], vars: Mapping[str, Any],
            nodes: Mapping[NodeId, Node], changed: list[str],
            analyze: Callable[..., Any] | None = None) -> tuple[list[ModelNode], Any] | None:
    """The changed models and the renderer, or None when rendering them printed something
    (the whole load, which prints it, is then made instead)."""
    from warehouse.compile.assemble import _model_nodes
    from warehouse.compile.project import make_renderer
    from warehouse.core.properties import Properties
    from warehouse.dbt.subset import IgnoredConfigs

    renderer = make_renderer(config, files)
    renderer.default_vars = dict(vars)
    ignored = IgnoredConfigs()
    models, printed = _quietly(lambda: _model_nodes(
        config, files, Properties(dict(props), {}, {}), renderer, vars, nodes,
        analyze=analyze, ignored=ignored, only=frozenset(changed)))
    if printed or ignored.notes():
        return None
    return models, renderer


def _quietly(make: Any) -> tuple[Any, str]:
    """`make()` and what it printed to stderr, kept back: a delta load that would print
    gives way to the whole load, which prints it."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        made = make()
    return made, printed.getvalue()


def _project(config: Any, renderer: Any, vars: Mapping[str, Any], previous: Any,
             models: list[Node]) -> Any:
    """The last load's project with `models` (and unit tests) in place of theirs: parents,
    DAG (built again only when an edge changed) and the fingerprints at and below them."""
    from warehouse.compile.cycles import located_cycle
    from warehouse.compile.fingerprint import local_fingerprint, refold
    from warehouse.compile.project import Project
    from warehouse.compile.resolve import ref_id
    from warehouse.core.dag import CycleError, Dag

    nodes = dict(previous.nodes)
    nodes.update({m.id: m for m in models})
    parents = dict(previous.parents)
    dag = previous.dag
    same = {node_id: node_id for node_id in nodes}  # (one object per id: project.one_of_each)
    for model in models:
        if isinstance(model, ModelNode):
            deps = [ref_id(nodes, r) for r in model.refs]
            deps += [NodeId(NodeKind.SOURCE, f"{s}.{t}") for s, t in model.sources]
        else:  # a unit test (assemble._parents)
            deps = list(model.depends_on)
        parents[same[model.id]] = tuple(same.get(d, d) for d in sorted(set(deps)))
    if any(parents[m.id] != previous.parents.get(m.id) for m in models):
        try:
            dag = Dag(parents)
        except CycleError as exc:
            raise located_cycle(exc, nodes) from None
    below = dag.sort(dag.downstream([m.id for m in models]))
    local = {m.id: local_fingerprint(m) for m in models}
    fingerprints = refold(previous.fingerprints, local, below, parents)
    project = Project(config, renderer, nodes, parents, vars,
                      fingerprints=fingerprints, dag=dag)
    # What differs from the last load: the nodes at or below the edited models (None when
    # an edge changed), for artifacts that can be rewritten in part (run/manifest_splice).
    key, same_edges = getattr(previous, "key", None), dag is previous.dag
    project.changed_since = (key, frozenset(below) if same_edges else None) if key else None
    return project

