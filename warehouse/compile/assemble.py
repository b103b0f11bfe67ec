"""Assemble a project from its files: seeds, sources, models and tests as checked nodes.

Models are rendered twice, as dbt does: the first pass records `ref()`,
`source()` and `config()` calls; once every model's schema is known, the
second pass resolves them to relations (`warehouse.compile.resolve`). The
second pass cannot be skipped in general: a model's relation comes from its
own config() (known only after its first pass), and a template or macro may
read a relation's parts, not only print it. Both passes of most models go
through `simple_template` (no Jinja), and with the parse cache's per-model
memo (`model_cache`) a model whose inputs did not change renders not at all.
Each step is a function of what the previous produced; nothing here reads a
file (`warehouse.compile.files` did).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from warehouse.compile.config_origin import ConfigLocator, config_locator
from warehouse.compile.contracts import attach_contract, foreign_key_targets
from warehouse.compile.cycles import located_cycle
from warehouse.compile.files import ProjectFiles
from warehouse.compile.model_cache import FirstPass, ModelCache
from warehouse.compile.model_checks import (
    check_orphan_properties,
    seeds_described_as_models,
    stem,
    validate_model_config,
)
from warehouse.compile.project import Project, make_renderer, one_of_each
from warehouse.compile.refusals import or_refused, python_model_node, refusal_of
from warehouse.compile.render import Renderer
from warehouse.compile.render_globals import Placeholder, RenderState
from warehouse.compile.resolve import Resolver, checksum, compile_model, ref_id, unknown_ref
from warehouse.compile.snapshots import compile_snapshot, snapshot_nodes
from warehouse.compile.testbuild import build_tests
from warehouse.core.config import HOOK_KEYS, ProjectConfig, merge_configs
from warehouse.core.dag import CycleError
from warehouse.core.errors import ProjectError, caret_snippet
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.core.nodes import ModelNode, Node, SeedNode, SnapshotNode, SourceNode, TestNode
from warehouse.core.properties import ColumnProps, NodeProps, Properties, load_properties
from warehouse.dbt.naming import node_relation
from warehouse.dbt.packages import config_for
from warehouse.dbt.subset import IgnoredConfigs, check_node_config


def assemble_project(config: ProjectConfig, files: ProjectFiles, *,
                     vars: Mapping[str, Any] | None = None,
                     analyze: Callable[..., Any] | None = None,
                     properties: Properties | None = None,
                     model_cache: ModelCache | None = None) -> Project:
    """Render, parse and check every node of `files`, read with `config`. `vars` come on
    top of the project's. `analyze` replaces `warehouse.compile.parse.analyze_model_sql`
    (the parse cache passes a memoized one); `properties`, when given, is
    `load_properties(files.properties)` as the parse cache kept it; `model_cache`, the
    last load's models, each taken when nothing it depends on changed."""
    merged_vars = {**config.vars, **(vars or {})}
    renderer = make_renderer(config, files)
    renderer.default_vars = merged_vars
    if properties is None:
        properties = load_properties(files.properties)
    props = seeds_described_as_models(properties, files)
    check_orphan_properties(props, files, config)

    nodes: dict[NodeId, Node] = {}
    ignored = IgnoredConfigs()  # configs the load ignores: one note per key, at the end
    for seed in _seed_nodes(config, files, props, renderer, ignored):
        nodes[seed.id] = seed
    for source in _source_nodes(props, renderer):
        nodes[source.id] = source
    snapshots = snapshot_nodes(config, files, props, renderer, merged_vars, nodes)
    for snapshot in snapshots:  # first pass: models may ref() them
        if NodeId(NodeKind.SEED, snapshot.name) in nodes:
            raise ProjectError(f"two nodes are named {snapshot.name!r}", path=snapshot.path,
                               line=snapshot.line, hint="snapshot, model and seed names must "
                               "be unique across the project")
        nodes[snapshot.id] = snapshot
    for model in _model_nodes(config, files, props, renderer, merged_vars, nodes,
                              analyze=analyze, ignored=ignored, cache=model_cache):
        if model.id in nodes or any(NodeId(kind, model.name) in nodes
                                    for kind in (NodeKind.SEED, NodeKind.SNAPSHOT)):
            raise ProjectError(f"two nodes are named {model.name!r}", path=model.path,
                               hint="model, seed and snapshot names must be unique across "
                                    "the project")
        nodes[model.id] = model
    resolver = Resolver(nodes)
    for snapshot in snapshots:
        nodes[snapshot.id] = compile_snapshot(renderer, snapshot, resolver, merged_vars, nodes,
                                              config, analyze=analyze)
    for test in build_tests(config, files, props, renderer, merged_vars, nodes):
        if test.id in nodes:
            raise ProjectError(f"two data tests are named {test.name!r}", path=test.path,
                               line=test.line)
        nodes[test.id] = test
    from warehouse.compile.unit_render import render_for_test
    from warehouse.compile.unit_tests import build_unit_tests

    for unit_test in build_unit_tests(config, files, renderer, merged_vars, nodes,
                                      render_for_test):
        nodes[unit_test.id] = unit_test
    for note in ignored.notes():
        print(f"note: {note}", file=sys.stderr)
    try:
        return Project(config, renderer, nodes, one_of_each(nodes, _parents(nodes)), merged_vars)
    except CycleError as exc:
        raise located_cycle(exc, nodes) from None


def _parents(nodes: Mapping[NodeId, Node]) -> dict[NodeId, tuple[NodeId, ...]]:
    parents: dict[NodeId, tuple[NodeId, ...]] = {}
    by_name: dict[str, NodeId] = {}  # ref_id's answer for each name, looked up once
    for node_id in nodes:
        if node_id.kind in (NodeKind.MODEL, NodeKind.SNAPSHOT, NodeKind.SEED):
            by_name.setdefault(node_id.name, ref_id(nodes, node_id.name))
    for node_id, node in nodes.items():
        if isinstance(node, (ModelNode, SnapshotNode)):
            deps = [by_name.get(r) or ref_id(nodes, r) for r in node.refs]
            deps += [NodeId(NodeKind.SOURCE, f"{s}.{t}") for s, t in node.sources]
            parents[node_id] = tuple(sorted(set(deps)))
        elif isinstance(node, TestNode) or node_id.kind is NodeKind.UNIT_TEST:
            parents[node_id] = tuple(sorted(set(node.depends_on)))
        else:
            parents[node_id] = ()
    return parents


def _columns(renderer: Renderer, p: NodeProps | None) -> tuple[ColumnProps, ...]:
    """Column properties with `doc()` and other Jinja in their descriptions rendered."""
    if p is None:
        return ()
    return tuple(_described(renderer, c, p.path) for c in p.columns)


def _described(renderer: Renderer, column: ColumnProps, path: str) -> ColumnProps:
    text = _describe(renderer, column.description, path, column.description_line)
    return column if text == column.description else replace(column, description=text)


def _describe(renderer: Renderer, text: str, path: str, line: int | None = None) -> str:
    """A description rendered; a failing doc() in it is reported at `line` of `path`."""
    if "{{" not in text and "{%" not in text:
        return text
    return renderer.render_string(text, RenderState(path, line=line), {}).strip()


def _rendered_config(renderer: Renderer, config: Mapping[str, Any], path: str) -> Any:
    """A property file's `config:` with Jinja in its text values rendered, as dbt renders
    it (`materialized: "{{ var('kind') }}"` honours the project's vars and --vars)."""
    def render(value: Any) -> Any:
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            return renderer.render_string(value, RenderState(path, line=getattr(
                value, "line", None)), {}).strip()
        if isinstance(value, Mapping):
            return {k: render(v) for k, v in value.items()}
        if isinstance(value, list):
            return [render(v) for v in value]
        return value

    if not any("{" in str(v) for v in config.values()):
        return config
    # Hooks stay templates: they render when they run, with `this` and `execute` true.
    return {k: v if k in HOOK_KEYS else render(v) for k, v in config.items()}


def _seed_nodes(config: ProjectConfig, files: ProjectFiles, props: Properties,
                renderer: Renderer, ignored: IgnoredConfigs | None = None) -> list[SeedNode]:
    seeds = []
    root_config = config
    for path in files.seeds:
        config = config_for(root_config, path)  # the package's, for a package's seed
        rel = Path(path)
        name = rel.stem
        folders = _folders_under(rel, config.seed_paths)
        cfg = {**config.folder_config("seed", (*folders, name))}  # dbt: a key may name the seed
        p = props.seeds.get(name)
        if p:
            cfg = merge_configs(cfg, _rendered_config(renderer, p.config, p.path))
        types = cfg.get("column_types") or {}
        if not isinstance(types, Mapping):
            raise ProjectError(f"column_types of seed {name!r} must be a mapping",
                               **config_locator(config, files.properties, kind="seed", props=p,
                                                path=p.path if p else config.config_file,
                                                folders=(*folders, name))("column_types"))
        if cfg.get("enabled") is False:
            continue
        shown = p.path if p else config.config_file
        refused = refusal_of(check_node_config, config, cfg, shown, "seed", config_locator(
            config, files.properties, path=shown, kind="seed", folders=(*folders, name),
            props=p), ignored)
        relation = node_relation(config, renderer, cfg, name, path, "seed")
        digest = checksum(Path(config.root, path).read_bytes(), json.dumps(types, sort_keys=True))
        declared_in = _types_declared_in(config, p, types)
        seeds.append(SeedNode(
            name=name, path=path, relation=relation,
            column_types={str(k): str(v) for k, v in types.items()}, config=cfg,
            description=_describe(renderer, p.description, p.path, p.description_line)
            if p else "",
            columns=_columns(renderer, p), checksum=digest, types_declared_in=declared_in,
            refused=refused))
    return seeds


def _types_declared_in(config: ProjectConfig, p: NodeProps | None,
                       types: Mapping[Any, Any]) -> dict[str, tuple[str, int | None]]:
    """Where each declared column type was written (its line in the property file, else the
    project's config file): DuckDB checks the types when the seed loads, long after."""
    if p is not None and "column_types" in p.config:
        return {str(k): (p.path, p.column_type_marks.get(str(k), (p.line, None))[0])
                for k in types}
    return {str(k): (config.config_file, None) for k in types}


def _source_nodes(props: Properties, renderer: Renderer) -> list[SourceNode]:
    from warehouse.compile.external_sources import external_sql

    nodes = []
    for (src, tbl), t in sorted(props.sources.items()):
        relation = Relation(_describe(renderer, t.schema, t.props.path),  # Jinja
                            _describe(renderer, t.identifier, t.props.path))
        nodes.append(SourceNode(
            source_name=src, table_name=tbl, relation=relation, path=t.props.path,
            description=_describe(renderer, t.props.description, t.props.path),
            columns=_columns(renderer, t.props),
            external=external_sql(renderer, t, relation.name, relation.schema)))
    return nodes


def _folders_under(rel: Path | str, roots: tuple[str, ...]) -> tuple[str, ...]:
    """The folders between the root of `roots` holding `rel` and its file (for folder
    configs). A project path is a POSIX string: its parts are read without pathlib, as
    `Path(...).parts` would give them."""
    parts = rel.parts if isinstance(rel, Path) else _parts(rel)
    for root in roots:
        root_parts = _parts(root)
        if parts[: len(root_parts)] == root_parts:
            return parts[len(root_parts):-1]
    return parts[:-1]


def _parts(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p not in ("", "."))


def _model_nodes(config: ProjectConfig, files: ProjectFiles, props: Properties,
                 renderer: Renderer, vars: Mapping[str, Any],
                 others: Mapping[NodeId, Node], *,
                 analyze: Callable[..., Any] | None = None,
                 ignored: IgnoredConfigs | None = None,
                 cache: ModelCache | None = None,
                 only: Collection[str] | None = None) -> list[ModelNode]:
    """Every model, rendered (the first pass), checked, then compiled (the second). A
    model that uses a construct the engine does not support is kept, refused
    (compile/refusals.py): the rest of the project still builds. `only`: the model
    files to render, `others` then holding every other model as the last load made it
    (`models_again`)."""
    first: list[ModelNode] = []
    seen: dict[str, str] = {}
    checks: dict[str, tuple[NodeProps | None, ConfigLocator]] = {}  # for its contract
    model_names = [stem(p) for p in files.models]
    names: dict[NodeKind, set[str]] = {kind: set() for kind in NodeKind}
    for i in others:  # (one pass over the other nodes, 12,500 at 5,000 models)
        names[i.kind].add(i.name)
    known = {*model_names, *(stem(p) for p in files.python_models),
             *names[NodeKind.SEED], *names[NodeKind.SNAPSHOT]}
    source_ids = names[NodeKind.SOURCE]
    # (with `only`, the models the last load left out were disabled)
    disabled = ({n for n in model_names if n not in names[NodeKind.MODEL]}
                if only is not None else set())
    root_config = config
    for path, template in files.models.items():
        if only is not None and path not in only:
            continue
        config = config_for(root_config, path)  # the package's, for a package's model
        name = stem(path)
        if name in seen:
            raise ProjectError(f"two models are named {name!r} (also {seen[name]})", path=path)
        seen[name] = path
        folders = _folders_under(path, config.model_paths)
        state = RenderState(path, vars=vars, this=Placeholder(name))
        refused = _first_pass(renderer, path, template, state, cache)
        p = props.models.get(name)
        cfg = {**config.folder_config("model", (*folders, name))}  # a key may name the model
        if p:
            cfg = merge_configs(cfg, _rendered_config(renderer, p.config, p.path))
        cfg = merge_configs(cfg, state.config)  # dbt: tags accumulate, meta merges
        if cfg.get("enabled") is False:
            disabled.add(name)
            continue
        locate = config_locator(
            config, files.properties, path=path, kind="model", props=p,
            folders=(*folders, name),
            sql_config=state.config, template=template)
        refused = (refused
                   or refusal_of(check_node_config, config, cfg, path, "model", locate, ignored)
                   or refusal_of(validate_model_config, cfg, path, locate))
        relation = node_relation(config, renderer, cfg, name, path, "model")
        refs, sources = _references(state, p, known, source_ids)
        first.append(ModelNode(
            name=name, path=path, template=template, config=cfg, relation=relation,
            refs=refs, sources=sources, compiled_sql="",
            description=_describe(renderer, p.description, p.path) if p else "",
            columns=_columns(renderer, p), refused=refused))
        checks[name] = (p, locate)
        _check_refs(state, path, template, known=known, source_ids=source_ids)
    if only is None:
        first += _python_models(root_config, files, props, renderer, seen, known, source_ids)
    nodes = dict(others)
    nodes.update({m.id: m for m in first})
    resolver = Resolver(nodes, frozenset(disabled))
    out = []
    for m in first:
        if m.refused is None and m.name in checks:
            m = or_refused(m, attach_contract, *checks[m.name], nodes, ignored)
        if m.refused is None and cache is not None:
            m = or_refused(m, lambda m: cache.compiled_model(m, nodes, lambda: _compiled(
                m, renderer, resolver, vars, nodes, analyze)))
        elif m.refused is None:
            m = or_refused(m, _compiled, renderer, resolver, vars, nodes, analyze)
        out.append(m)
    return out


def _first_pass(renderer: Renderer, path: str, template: str, state: RenderState,
                cache: ModelCache | None) -> Any:
    """Render the model with placeholders for what it references (filling `state`), or
    take what that recorded from `cache`; the Refusal of a construct the engine lacks."""
    if cache is None:
        return refusal_of(renderer.render, path, state)

    def compute() -> FirstPass:
        refused = refusal_of(renderer.render, path, state)
        return FirstPass(list(state.refs), list(state.sources), dict(state.config), refused)

    found = cache.first_pass(path, template, compute)
    state.refs, state.sources = list(found.refs), list(found.sources)
    state.config = dict(found.config)
    return found.refused


def _compiled(model: ModelNode, renderer: Renderer, resolver: Resolver,
              vars: Mapping[str, Any], nodes: Mapping[NodeId, Node],
              analyze: Callable[..., Any] | None) -> ModelNode:
    return compile_model(renderer, model, resolver, vars, nodes, analyze=analyze)


def _references(state: RenderState, p: NodeProps | None, known: set[str],
                source_ids: set[str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The model's ref() and source() calls, then the nodes its contract's foreign keys
    point at (built first, as dbt orders them)."""
    refs = [r for r, _ in state.refs]
    sources = [(s, t) for s, t, _ in state.sources]
    for target in foreign_key_targets(p):
        if len(target) == 1 and target[0] in known:
            refs.append(target[0])
        elif len(target) == 2 and ".".join(target) in source_ids:
            sources.append((target[0], target[1]))
    return tuple(dict.fromkeys(refs)), tuple(dict.fromkeys(sources))


def _python_models(config: ProjectConfig, files: ProjectFiles, props: Properties,
                   renderer: Renderer, seen: dict[str, str], known: set[str],
                   source_ids: set[str]) -> list[ModelNode]:
    """dbt's python models, each kept as a node that is refused when it runs."""
    out = []
    for path, text in files.python_models.items():
        name = Path(path).stem
        if name in seen:
            raise ProjectError(f"two models are named {name!r} (also {seen[name]})", path=path)
        seen[name] = path
        cfg = {"materialized": "table", **config.folder_config(
            "model", (*_folders_under(Path(path), config.model_paths), name))}
        p = props.models.get(name)
        if p:
            cfg = merge_configs(cfg, p.config)
        if cfg.get("enabled") is False:
            continue
        relation = node_relation(config, renderer, cfg, name, path, "model")
        out.append(python_model_node(path, text, cfg, relation, known=known,
                                     source_ids=source_ids))
    return out


def _check_refs(state: RenderState, path: str, template: str, *, known: set[str],
                source_ids: set[str]) -> None:
    for name, line in state.refs:
        if name not in known:
            raise unknown_ref(name, known, path=path, line=line, template=template)
    for src, tbl, line in state.sources:
        if f"{src}.{tbl}" not in source_ids:
            raise ProjectError(
                f"source({src!r}, {tbl!r}) is not declared in any property file", path=path,
                line=line, snippet=caret_snippet(template, line, None) if line else None,
                hint="declare it under 'sources:' in a .yml file beside the models")
