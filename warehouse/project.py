"""Load a project: files → rendered, parsed, cross-checked nodes and their DAG.

Models are rendered twice, as dbt does: the first pass records `ref()`,
`source()` and `config()` calls; once every model's schema is known, the
second pass resolves them to relations. Each step is a function of what the
previous produced; only `read_files` touches the filesystem.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from warehouse.compile import (
    Resolver,
    checksum,
    compile_model,
    finish_sql,
    ref_id,
    unknown_ref,
)
from warehouse.config import (
    INCREMENTAL_STRATEGIES,
    MATERIALIZATIONS,
    ProjectConfig,
    load_config,
    merge_configs,
)
from warehouse.errors import ProjectError, caret_snippet
from warehouse.fingerprint import Fingerprint
from warehouse.identity import NodeId, NodeKind, Relation
from warehouse.naming import node_relation
from warehouse.nodes import ModelNode, Node, SeedNode, SourceNode, TestNode
from warehouse.properties import (
    ColumnProps,
    NodeProps,
    Properties,
    load_docs_blocks,
    load_properties,
)
from warehouse.render import Placeholder, Renderer, RenderState
from warehouse.unsupported import check_node_config


@dataclass(frozen=True)
class ProjectFiles:
    """Every file the engine reads, by project-relative posix path."""

    models: Mapping[str, str]
    properties: Mapping[str, str]
    seeds: tuple[str, ...]
    macros: Mapping[str, str]
    docs: Mapping[str, str]
    tests: Mapping[str, str]


def read_files(config: ProjectConfig) -> ProjectFiles:
    """Every file the engine reads. Each folder is walked once, whatever the number of
    patterns and file kinds looked for in it: a warm (cached) load spends most of its
    time here."""
    root = config.root
    base = str(root)
    listings: dict[str, list[str]] = {}

    def files_under(folder: str) -> list[str]:
        if folder not in listings:
            found: list[str] = []
            for dirpath, _dirs, names in os.walk(os.path.join(base, folder), followlinks=True):
                rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
                prefix = "" if rel == "." else rel + "/"
                found.extend(prefix + name for name in names)
            listings[folder] = found
        return listings[folder]

    def scan(folders: tuple[str, ...], *suffixes: str) -> list[str]:
        found = {rel for folder in folders for rel in files_under(folder)
                 if rel.endswith(suffixes)}
        # Sorted as paths (by parts, as pathlib sorts), not as strings: 'a/b' before 'a-b'.
        return sorted((rel for rel in found if os.path.isfile(os.path.join(base, rel))),
                      key=lambda rel: rel.split("/"))

    def texts(found: list[str]) -> dict[str, str]:
        out = {}
        for rel in found:
            with open(os.path.join(base, rel), encoding="utf-8-sig") as handle:
                out[rel] = handle.read()
        return out

    return ProjectFiles(
        models=texts(scan(config.model_paths, ".sql")),
        properties=texts(scan(config.model_paths + config.seed_paths, ".yml", ".yaml")),
        seeds=tuple(scan(config.seed_paths, ".csv")),
        macros=texts(scan(config.macro_paths, ".sql")),
        docs=texts(scan(config.docs_paths, ".md")),
        tests=texts(scan(config.test_paths, ".sql")),
    )


class Project:
    """A loaded project: nodes by id, the DAG, and the renderer for run-time re-renders.

    `renderer` may be a function that makes one: a project read from the parse
    cache builds its Jinja environment only if something renders at run time
    (an incremental model). `fingerprints` likewise come from the cache, or are
    computed on first use; `cache_key` is the cache's digest of the inputs."""

    def __init__(self, config: ProjectConfig, renderer: Renderer | Callable[[], Renderer],
                 nodes: Mapping[NodeId, Node], parents: Mapping[NodeId, tuple[NodeId, ...]],
                 vars: Mapping[str, Any], *,
                 fingerprints: Mapping[NodeId, Fingerprint] | None = None,
                 cache_key: str | None = None) -> None:
        from warehouse.dag import Dag

        self.config = config
        self._renderer = renderer
        self.nodes = dict(nodes)
        self.parents = dict(parents)
        self.vars = dict(vars)
        self.dag = Dag(self.parents)
        self._fingerprints = dict(fingerprints) if fingerprints is not None else None
        self.cache_key = cache_key  # the parse cache's digest of every input, if it loaded us

    @property
    def renderer(self) -> Renderer:
        if not isinstance(self._renderer, Renderer):
            self._renderer = self._renderer()
        return self._renderer

    @property
    def fingerprints(self) -> Mapping[NodeId, Fingerprint]:
        """Every node's fingerprint (see warehouse.fingerprint), computed once."""
        if self._fingerprints is None:
            self.compute_fingerprints()
        assert self._fingerprints is not None
        return self._fingerprints

    def compute_fingerprints(self, sql_digest: Callable[[str], str] | None = None
                             ) -> Mapping[NodeId, Fingerprint]:
        """Compute (again) and keep the fingerprints; `sql_digest` may be memoized."""
        from warehouse.fingerprint import fingerprints

        extra = {"sql_digest": sql_digest} if sql_digest is not None else {}
        self._fingerprints = fingerprints(self.nodes, self.dag.topological_order(),
                                          self.parents, incremental_sql=self.render_incremental,
                                          **extra)
        return self._fingerprints

    @property
    def database_path(self) -> Path:
        return self.config.root / self.config.database

    @property
    def target_path(self) -> Path:
        return self.config.root / self.config.target_dir

    def of_kind(self, kind: NodeKind) -> list[Node]:
        return [n for i, n in self.nodes.items() if i.kind is kind]

    def render_incremental(self, model: ModelNode) -> str:
        """The model's SQL with `is_incremental()` true (its relation exists)."""
        resolver = Resolver(self.nodes)
        return finish_sql(self.renderer, model, resolver, self.vars, incremental=True,
                           nodes=self.nodes)


def make_renderer(config: ProjectConfig, files: ProjectFiles) -> Renderer:
    """The project's Jinja environment: models, tests and macros, with the docs blocks."""
    sources = dict(files.models)
    sources.update(files.tests)
    sources.update(files.macros)
    return Renderer(sources, sorted(files.macros), load_docs_blocks(files.docs),
                    config.target_context())


def load_project(root: Path, *, vars: Mapping[str, Any] | None = None,
                 config: ProjectConfig | None = None, files: ProjectFiles | None = None,
                 cache: bool = False,
                 analyze: Callable[..., Any] | None = None) -> Project:
    """Render, parse and check every node. `config` and `files` are what the caller
    already read (the parse cache hashes them first, so the project matches its key). With
    `cache`, a load whose inputs are unchanged comes from target/ (warehouse.parse_cache).
    `analyze` replaces `warehouse.parse.analyze_model_sql` (the cache memoizes it)."""
    if cache:
        from warehouse.parse_cache import load_cached

        return load_cached(root, vars)
    config = config if config is not None else load_config(root)
    files = files if files is not None else read_files(config)
    merged_vars = {**config.vars, **(vars or {})}
    renderer = make_renderer(config, files)
    props = load_properties(files.properties)
    _check_orphan_properties(props, files, config)

    nodes: dict[NodeId, Node] = {}
    for seed in _seed_nodes(config, files, props, renderer):
        nodes[seed.id] = seed
    for source in _source_nodes(props, renderer):
        nodes[source.id] = source
    for model in _model_nodes(config, files, props, renderer, merged_vars, nodes,
                              analyze=analyze):
        if model.id in nodes or NodeId(NodeKind.SEED, model.name) in nodes:
            raise ProjectError(f"two nodes are named {model.name!r}", path=model.path,
                               hint="model and seed names must be unique across the project")
        nodes[model.id] = model
    from warehouse.testbuild import build_tests

    for test in build_tests(config, files, props, renderer, merged_vars, nodes):
        if test.id in nodes:
            raise ProjectError(f"two data tests are named {test.name!r}", path=test.path,
                               line=test.line)
        nodes[test.id] = test
    return Project(config, renderer, nodes, _parents(nodes), merged_vars)


def _parents(nodes: Mapping[NodeId, Node]) -> dict[NodeId, tuple[NodeId, ...]]:
    parents: dict[NodeId, tuple[NodeId, ...]] = {}
    for node_id, node in nodes.items():
        if isinstance(node, ModelNode):
            deps = [ref_id(nodes, r) for r in node.refs]
            deps += [NodeId(NodeKind.SOURCE, f"{s}.{t}") for s, t in node.sources]
            parents[node_id] = tuple(sorted(set(deps)))
        elif isinstance(node, TestNode):
            parents[node_id] = tuple(sorted(set(node.depends_on)))
        else:
            parents[node_id] = ()
    return parents


def _columns(renderer: Renderer, p: NodeProps | None) -> tuple[ColumnProps, ...]:
    """Column properties with `doc()` and other Jinja in their descriptions rendered."""
    if p is None:
        return ()
    return tuple(replace(c, description=_describe(renderer, c.description, p.path))
                 for c in p.columns)


def _describe(renderer: Renderer, text: str, path: str) -> str:
    if "{{" not in text and "{%" not in text:
        return text
    return renderer.render_string(text, RenderState(path), {}).strip()


def _seed_nodes(config: ProjectConfig, files: ProjectFiles, props: Properties,
                renderer: Renderer) -> list[SeedNode]:
    seeds = []
    for path in files.seeds:
        rel = Path(path)
        name = rel.stem
        folders = _folders_under(rel, config.seed_paths)
        cfg = {**config.folder_config("seed", (*folders, name))}  # dbt: a key may name the seed
        p = props.seeds.get(name)
        if p:
            cfg = merge_configs(cfg, p.config)
        types = cfg.get("column_types") or {}
        if not isinstance(types, Mapping):
            raise ProjectError(f"column_types of seed {name!r} must be a mapping",
                               path=p.path if p else config.config_file, line=p.line if p else None)
        if cfg.get("enabled") is False:
            continue
        check_node_config(config, cfg, p.path if p else config.config_file, "seed")
        relation = node_relation(config, renderer, cfg, name, path, "seed")
        digest = checksum(Path(config.root, path).read_bytes(), json.dumps(types, sort_keys=True))
        seeds.append(SeedNode(
            name=name, path=path, relation=relation,
            column_types={str(k): str(v) for k, v in types.items()}, config=cfg,
            description=_describe(renderer, p.description, p.path) if p else "",
            columns=_columns(renderer, p), checksum=digest))
    return seeds


def _source_nodes(props: Properties, renderer: Renderer) -> list[SourceNode]:
    return [
        SourceNode(source_name=src, table_name=tbl,
                   relation=Relation(_describe(renderer, t.schema, t.props.path),  # Jinja
                                     _describe(renderer, t.identifier, t.props.path)),
                   path=t.props.path,
                   description=_describe(renderer, t.props.description, t.props.path),
                   columns=_columns(renderer, t.props))
        for (src, tbl), t in sorted(props.sources.items())
    ]


def _folders_under(rel: Path, roots: tuple[str, ...]) -> tuple[str, ...]:
    for root in roots:
        root_parts = Path(root).parts
        if rel.parts[: len(root_parts)] == root_parts:
            return rel.parts[len(root_parts):-1]
    return rel.parts[:-1]


def _model_nodes(config: ProjectConfig, files: ProjectFiles, props: Properties,
                 renderer: Renderer, vars: Mapping[str, Any],
                 others: Mapping[NodeId, Node], *,
                 analyze: Callable[..., Any] | None = None) -> list[ModelNode]:
    first: list[ModelNode] = []
    seen: dict[str, str] = {}
    known = {Path(p).stem for p in files.models}
    known |= {i.name for i in others if i.kind is NodeKind.SEED}
    source_ids = {i.name for i in others if i.kind is NodeKind.SOURCE}
    for path, template in files.models.items():
        name = Path(path).stem
        if name in seen:
            raise ProjectError(f"two models are named {name!r} (also {seen[name]})", path=path)
        seen[name] = path
        state = RenderState(path, vars=vars, this=Placeholder(name))
        renderer.render(path, state)
        p = props.models.get(name)
        cfg = {**config.folder_config("model", (*_folders_under(Path(path), config.model_paths),
                                                name))}  # dbt: a key may name the model
        if p:
            cfg = merge_configs(cfg, p.config)
        cfg = merge_configs(cfg, state.config)  # dbt: tags accumulate, meta merges
        if cfg.get("enabled") is False:
            continue
        check_node_config(config, cfg, path, "model")
        _validate_model_config(cfg, path)
        relation = node_relation(config, renderer, cfg, name, path, "model")
        first.append(ModelNode(
            name=name, path=path, template=template, config=cfg, relation=relation,
            refs=tuple(dict.fromkeys(r for r, _ in state.refs)),
            sources=tuple(dict.fromkeys((s, t) for s, t, _ in state.sources)),
            compiled_sql="", description=_describe(renderer, p.description, p.path) if p else "",
            columns=_columns(renderer, p)))
        _check_refs(state, path, template, known=known, source_ids=source_ids)
    nodes = dict(others)
    nodes.update({m.id: m for m in first})
    resolver = Resolver(nodes)
    return [compile_model(renderer, m, resolver, vars, nodes, analyze=analyze) for m in first]


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


def _validate_model_config(cfg: Mapping[str, Any], path: str) -> None:
    mat = cfg.get("materialized", "view")
    if mat not in MATERIALIZATIONS:
        raise ProjectError(f"materialized={mat!r} is not supported", path=path,
                           hint=f"use one of {', '.join(sorted(MATERIALIZATIONS))}")
    if mat == "incremental":
        strategy = cfg.get("incremental_strategy", "merge" if cfg.get("unique_key") else "append")
        if strategy not in INCREMENTAL_STRATEGIES:
            raise ProjectError(f"incremental_strategy={strategy!r} is not supported", path=path,
                               hint=f"use one of {', '.join(sorted(INCREMENTAL_STRATEGIES))}")
        if strategy != "append" and not cfg.get("unique_key"):
            raise ProjectError(f"incremental_strategy={strategy!r} needs a unique_key", path=path)
    for hook in ("pre_hook", "post_hook", "pre-hook", "post-hook"):
        if cfg.get(hook):
            raise ProjectError(f"the dbt config {hook!r} is not supported", path=path)


def _check_orphan_properties(props: Properties, files: ProjectFiles, config: ProjectConfig):
    model_names = {Path(p).stem for p in files.models}
    for name, p in props.models.items():
        if name not in model_names:
            raise ProjectError(f"properties describe model {name!r}, which has no .sql file",
                               path=p.path, line=p.line)
    seed_names = {Path(p).stem for p in files.seeds}
    for name, p in props.seeds.items():
        if name not in seed_names:
            raise ProjectError(f"properties describe seed {name!r}, which has no .csv file",
                               path=p.path, line=p.line)
