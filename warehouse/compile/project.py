"""A loaded project: its nodes, their DAG and fingerprints, and the renderer for run time.

What `warehouse.compile.load.load_project` returns and every layer above
reads. Built by `warehouse.compile.assemble` from files, or by
`warehouse.compile.parse_cache` from the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.core.config import ProjectConfig
from warehouse.core.identity import NodeId, NodeKind
from warehouse.core.nodes import Node

if TYPE_CHECKING:  # a project from the cache runs without Jinja unless it renders
    from warehouse.compile.files import ProjectFiles
    from warehouse.compile.fingerprint import Fingerprint
    from warehouse.compile.render import Renderer


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
                 cache_key: str | None = None, dag: Any = None) -> None:
        from warehouse.core.dag import Dag

        self.config = config
        self._renderer = renderer
        self.nodes = dict(nodes)
        self.parents = dict(parents)
        self.vars = dict(vars)
        # `dag`: the Dag of these `parents`, built by an earlier load (the parse cache's)
        self.dag = dag if isinstance(dag, Dag) else Dag(self.parents)
        self._fingerprints = dict(fingerprints) if fingerprints is not None else None
        self.cache_key = cache_key  # the parse cache's digest of every input, if it loaded us
        # Models whose SQL checks run beside the build (compile/late_checks.py), if any
        self.late_checks: Any = None

    @property
    def renderer(self) -> Renderer:
        from warehouse.compile.render import Renderer

        if not isinstance(self._renderer, Renderer):
            self._renderer = self._renderer()
        return self._renderer

    @property
    def fingerprints(self) -> Mapping[NodeId, Fingerprint]:
        """Every node's fingerprint (see warehouse.compile.fingerprint), computed once."""
        if self._fingerprints is None:
            self.compute_fingerprints()
        assert self._fingerprints is not None
        return self._fingerprints

    def compute_fingerprints(self, sql_digest: Callable[[str], str] | None = None,
                             known_local: Mapping[NodeId, str] | None = None
                             ) -> Mapping[NodeId, Fingerprint]:
        """Compute (again) and keep the fingerprints; `sql_digest` may be memoized, and
        `known_local` holds local fingerprints of nodes that are the same objects as
        when they were computed."""
        from warehouse.compile.fingerprint import fingerprints

        extra: dict[str, Any] = {"known_local": known_local}
        if sql_digest is not None:
            extra["sql_digest"] = sql_digest
        self._fingerprints = fingerprints(self.nodes, self.dag.topological_order(),
                                          self.parents, **extra)
        return self._fingerprints

    @property
    def database_path(self) -> Path:
        return self.config.root / self.config.database

    @property
    def target_path(self) -> Path:
        return self.config.root / self.config.target_dir

    def of_kind(self, kind: NodeKind) -> list[Node]:
        return [n for i, n in self.nodes.items() if i.kind is kind]


def one_of_each(nodes: dict[NodeId, Node], parents: Mapping[NodeId, tuple[NodeId, ...]]
                ) -> dict[NodeId, tuple[NodeId, ...]]:
    """`parents` with each id the very object that keys `nodes`, and `nodes`' tests given
    the same: their `depends_on` ids, and one TestConfig object for equal plain ones.

    Each `ref()` made an id of its own and each test a config of its own: equal objects
    that the parse cache pickled one by one (10,000 models: 42,000 ids for 25,000 nodes,
    15,000 configs of one value) and a warm load unpickled one by one."""
    from dataclasses import fields, replace
    from operator import is_

    from warehouse.core.nodes import TestNode

    same = {node_id: node_id for node_id in nodes}
    configs: dict[Any, Any] = {}
    kept: dict[int, tuple[Any, Any]] = {}  # id(config) -> (it, the one kept for it)
    for node_id, node in nodes.items():
        if not isinstance(node, TestNode):
            continue
        deps = tuple(map(same.get, node.depends_on, node.depends_on))  # (same.get(d, d))
        config = node.config
        if id(config) in kept:  # (most tests share one already: testbuild's defaults)
            config = kept[id(config)][1]
        else:
            if all(_plain(getattr(config, f.name)) for f in fields(config)):
                config = configs.setdefault(config, config)  # (a str subclass may carry a line)
            kept[id(node.config)] = (node.config, config)
        if config is not node.config or not all(map(is_, deps, node.depends_on)):
            nodes[node_id] = replace(node, depends_on=deps, config=config)
    return {node_id: tuple(map(same.get, ps, ps)) for node_id, ps in parents.items()}


def _plain(value: Any) -> bool:
    if type(value) is tuple:
        return all(type(item) is str for item in value)
    return type(value) in (str, int, bool, type(None))


def make_renderer(config: ProjectConfig, files: ProjectFiles) -> Renderer:
    """The project's Jinja environment: models, tests and macros, with the docs blocks."""
    from warehouse.compile.render import Renderer

    sources = dict(files.models)
    sources.update(files.tests)
    sources.update(files.macros)
    renderer = Renderer(sources, sorted(files.macros), _docs_blocks(config, files.docs),
                        config.target_context(), config.name,
                        packages={p.name: p for p in config.packages}, dispatch=config.dispatch)
    renderer.add_snapshot_files(files.snapshots)
    return renderer


def _docs_blocks(config: ProjectConfig, docs: Mapping[str, str]) -> dict[str, str]:
    """Docs blocks of the root project and of its packages; a package's block of a name the
    root project (or an earlier package) has too is left out, not an error."""
    from warehouse.core.properties import load_docs_blocks

    if not config.packages:
        return load_docs_blocks(docs)
    dirs = [p.package_dir + "/" for p in config.packages]
    blocks = load_docs_blocks({p: t for p, t in docs.items() if not p.startswith(tuple(dirs))})
    for folder in dirs:
        own = load_docs_blocks({p: t for p, t in docs.items() if p.startswith(folder)})
        blocks.update({k: v for k, v in own.items() if k not in blocks})
    return blocks
