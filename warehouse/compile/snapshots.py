"""Snapshot nodes: `{% snapshot %}` blocks and YAML-defined snapshots, with checked configs.

A snapshot is read in the same two passes as a model (assemble.py): the
first renders its query with placeholders, recording `ref()`, `source()` and
`config()`; the second, once every relation is known, resolves them and
checks the SQL. Its config is merged as dbt merges a snapshot's: the
project's `snapshots:` folders (keyed by folder, file and block name), the
property file's `config:`, then the block's `config()`. What the adapter
needs to record history is validated here once, into a `SnapshotSpec`;
an error is reported at the key that set the wrong value.

A snapshot written in YAML (dbt 1.9: `relation: ref('orders')`) is the query
`select * from {{ ref('orders') }}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from warehouse.compile.config_origin import config_locator
from warehouse.compile.files import ProjectFiles
from warehouse.compile.render import Renderer, blank, snapshot_blocks
from warehouse.compile.render_globals import Placeholder, RenderState
from warehouse.compile.resolve import RelationView, Resolver, checksum, unknown_ref
from warehouse.core.config import ProjectConfig, merge_configs
from warehouse.core.errors import ProjectError, caret_snippet
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.core.nodes import Node, SnapshotNode, SnapshotSpec
from warehouse.core.properties import NodeProps, Properties
from warehouse.dbt.naming import node_alias, node_relation
from warehouse.dbt.subset import check_node_config

META_COLUMNS = ("dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to",
                "dbt_is_deleted")
STRATEGIES = ("timestamp", "check")
HARD_DELETES = ("ignore", "invalidate", "new_record")
_RELATION = re.compile(r"^\s*(ref|source)\s*\(.*\)\s*$", re.S)

Locate = Callable[[str], dict[str, Any]]


def snapshot_nodes(config: ProjectConfig, files: ProjectFiles, props: Properties,
                   renderer: Renderer, vars: Mapping[str, Any],
                   others: Mapping[NodeId, Node]) -> list[SnapshotNode]:
    """Every enabled snapshot of the project, first pass: configs checked, relations named,
    refs and sources recorded (`compiled_sql` is filled by `compile_snapshot`)."""
    known = {Path(p).stem for p in files.models}
    known |= {i.name for i in others if i.kind is NodeKind.SEED}
    blocks = [(path, *block) for path, text in files.snapshots.items()
              for block in snapshot_blocks(path, text)]
    known |= {b[1] for b in blocks} | set(props.snapshot_relations)
    sources = {i.name for i in others if i.kind is NodeKind.SOURCE}
    found: dict[str, SnapshotNode | None] = {}
    for path, name, start, stop, line in blocks:
        text = files.snapshots[path]
        template = blank(text[:start]) + text[start:stop] + blank(text[stop:])
        _unique(found, name, path, line, template)
        found[name] = _from_block(config, files, props, renderer, vars, path, name, line,
                                  template, known, sources)
    for name, (relation, line, column) in props.snapshot_relations.items():
        p = props.snapshots[name]
        _unique(found, name, p.path, line, p.text)
        found[name] = _from_yaml(config, files, props, renderer, vars, p, relation,
                                 (line, column), known, sources)
    for name, p in props.snapshots.items():
        if name not in found:
            raise ProjectError(f"properties describe snapshot {name!r}, which has no "
                               "{% snapshot %} block and no relation:", path=p.path,
                               line=p.line, hint="add `relation: ref('...')` (or source()) "
                               "to snapshot it from YAML, or write its block in snapshots/")
    return [node for node in found.values() if node is not None]


def _unique(found: Mapping[str, Any], name: str, path: str, line: int | None,
            text: str) -> None:
    if name in found:
        raise ProjectError(f"two snapshots are named {name!r}", path=path, line=line,
                           snippet=caret_snippet(text, line, None) if line else None)


def _from_block(config: ProjectConfig, files: ProjectFiles, props: Properties,
                renderer: Renderer, vars: Mapping[str, Any], path: str, name: str,
                line: int, template: str, known: set[str],
                sources: set[str]) -> SnapshotNode | None:
    state = RenderState(path, vars=vars, this=Placeholder(name))
    renderer.render_snapshot(path, name, state, _context(config))
    folders = (*_folders(path, config.snapshot_paths), Path(path).stem, name)
    p = props.snapshots.get(name)
    locate = config_locator(config, files.properties, path=path, kind="snapshot",
                            folders=folders, props=p, sql_config=state.config,
                            template=template)
    cfg = config.folder_config("snapshot", folders)
    if p:
        cfg = merge_configs(cfg, p.config)
    cfg = merge_configs(cfg, state.config)
    return _node(config, renderer, cfg, state, locate, path=path, name=name, line=line,
                 template=template, props=p, known=known, sources=sources)


def _from_yaml(config: ProjectConfig, files: ProjectFiles, props: Properties,
               renderer: Renderer, vars: Mapping[str, Any], p: NodeProps, relation: Any,
               at: tuple[int | None, int | None], known: set[str],
               sources: set[str]) -> SnapshotNode | None:
    line, column = at
    if not isinstance(relation, str) or not _RELATION.match(relation):
        raise ProjectError(f"snapshot {p.name!r}: relation must be ref('...') or "
                           f"source('...', '...'), got {relation!r}", path=p.path, line=line,
                           column=column, snippet=caret_snippet(p.text, line, column)
                           if line else None)
    template = "select * from {{ " + relation.strip() + " }}"
    state = RenderState(p.path, vars=vars, this=Placeholder(p.name), line=line)
    renderer.render_string(template, state, _context(config))
    folders = (*_folders(p.path, config.snapshot_paths + config.model_paths), p.name)
    locate = config_locator(config, files.properties, path=p.path, kind="snapshot",
                            folders=folders, props=p)
    cfg = merge_configs(config.folder_config("snapshot", folders), p.config)
    state.refs[:] = [(r, line) for r, _ in state.refs]
    state.sources[:] = [(s, t, line) for s, t, _ in state.sources]
    return _node(config, renderer, cfg, state, locate, path=p.path, name=p.name, line=line,
                 template=template, props=p, known=known, sources=sources, yaml_text=p.text)


def _node(config: ProjectConfig, renderer: Renderer, cfg: dict[str, Any], state: RenderState,
          locate: Locate, *, path: str, name: str, line: int | None, template: str,
          props: NodeProps | None, known: set[str], sources: set[str],
          yaml_text: str | None = None) -> SnapshotNode | None:
    if cfg.get("enabled") is False:
        return None
    check_node_config(config, cfg, path, "snapshot", locate)
    where = _placed(locate, path, line, yaml_text or template)
    spec = snapshot_spec(cfg, where, name)
    _check_database(config, cfg, where)
    relation = _relation(config, renderer, cfg, name, path)
    shown = yaml_text or template
    for ref, at in state.refs:
        if ref not in known:
            raise unknown_ref(ref, known, path=path, line=at, template=shown)
    for src, tbl, at in state.sources:
        if f"{src}.{tbl}" not in sources:
            raise ProjectError(f"source({src!r}, {tbl!r}) is not declared in any property file",
                               path=path, line=at,
                               snippet=caret_snippet(shown, at, None) if at else None)
    description, columns = _documented(renderer, props)
    return SnapshotNode(
        name=name, path=path, template=template, config=cfg, relation=relation,
        refs=tuple(dict.fromkeys(r for r, _ in state.refs)),
        sources=tuple(dict.fromkeys((s, t) for s, t, _ in state.sources)), spec=spec,
        description=description, columns=columns, line=line)


def _documented(renderer: Renderer, p: NodeProps | None) -> tuple[str, tuple[Any, ...]]:
    """The description and columns of the snapshot's properties, Jinja (`doc()`) rendered."""
    if p is None:
        return "", ()

    def text(value: str, line: int | None) -> str:
        if "{{" not in value and "{%" not in value:
            return value
        return renderer.render_string(value, RenderState(p.path, line=line), {}).strip()

    columns = tuple(replace(c, description=text(c.description, c.description_line))
                    for c in p.columns)
    return text(p.description, p.description_line), columns


def _placed(locate: Locate, path: str, line: int | None, text: str) -> Locate:
    """`locate`, falling back to the snapshot's own line for a key set nowhere (a missing
    strategy is reported at the block that lacks it)."""
    def where(key: str) -> dict[str, Any]:
        found = locate(key)
        if found.get("line") is None and found.get("path") == path and line:
            return {"path": path, "line": line,
                    "snippet": caret_snippet(text, line, None) or None}
        return found

    return where


def _context(config: ProjectConfig) -> dict[str, Any]:
    """dbt's `schema` and `database` as a snapshot's config() reads them
    (`target_schema=schema`): the target's."""
    target = config.target_context()
    return {"schema": target["schema"], "database": target["database"]}


def _folders(path: str, roots: tuple[str, ...]) -> tuple[str, ...]:
    parts = Path(path).parts
    for root in roots:
        root_parts = Path(root).parts
        if parts[:len(root_parts)] == root_parts:
            return parts[len(root_parts):-1]
    return parts[:-1]


def _relation(config: ProjectConfig, renderer: Renderer, cfg: Mapping[str, Any], name: str,
              path: str) -> Relation:
    """dbt's rule: `target_schema` is the schema as written (the legacy config); otherwise
    `schema` goes through generate_schema_name as a model's does."""
    target_schema = cfg.get("target_schema")
    if target_schema:
        return Relation(str(target_schema),
                        node_alias(config, renderer, cfg, name, path, "snapshot"))
    return node_relation(config, renderer, cfg, name, path, "snapshot")


def _check_database(config: ProjectConfig, cfg: Mapping[str, Any], where: Locate) -> None:
    database = cfg.get("target_database")
    own = str(config.target_context()["database"])
    if database and str(database).lower() != own.lower():
        raise ProjectError(f"target_database={database!r}: snapshots are built into this "
                           f"warehouse's own database ({own!r})", **where("target_database"),
                           hint="remove target_database (or set it to the target's database)")


def snapshot_spec(cfg: Mapping[str, Any], where: Locate, name: str) -> SnapshotSpec:
    """The snapshot's strategy and keys, as dbt validates them (SnapshotConfig and
    get_hard_deletes_behavior), each error at the key that is wrong."""
    def fail(key: str, message: str, hint: str | None = None) -> ProjectError:
        return ProjectError(f"snapshot {name!r}: {message}", hint=hint, **where(key))

    if cfg.get("materialized") not in (None, "snapshot"):
        raise fail("materialized", f"materialized={cfg['materialized']!r}: a snapshot is "
                   "materialized as 'snapshot'")
    strategy = cfg.get("strategy")
    if strategy not in STRATEGIES:
        raise fail("strategy", "needs strategy='timestamp' or strategy='check'" if not strategy
                   else f"strategy={strategy!r} is not supported (timestamp or check)",
                   "timestamp: rows change when their updated_at grows; check: when one of "
                   "check_cols changes")
    unique_key = cfg.get("unique_key")
    keys = (unique_key,) if isinstance(unique_key, str) else unique_key
    if not keys or not isinstance(keys, (list, tuple)) or not all(
            isinstance(k, str) and k.strip() for k in keys):
        raise fail("unique_key", "needs a unique_key: a column, an expression, or a list of "
                   "columns" if not unique_key else f"unique_key={unique_key!r} must be a "
                   "column, an expression or a list of columns")
    updated_at = cfg.get("updated_at")
    if updated_at is not None and not (isinstance(updated_at, str) and updated_at.strip()):
        raise fail("updated_at", f"updated_at={updated_at!r} must name a column")
    check_cols = cfg.get("check_cols")
    if strategy == "timestamp":
        if not updated_at:
            raise fail("updated_at", "the timestamp strategy needs updated_at, the column "
                       "that says when a row last changed")
        if check_cols:
            raise fail("check_cols", "a timestamp snapshot takes no check_cols")
        cols = None
    elif check_cols == "all":
        cols = None
    elif isinstance(check_cols, (list, tuple)) and check_cols and all(
            isinstance(c, str) and c for c in check_cols):
        cols = tuple(check_cols)
    else:
        raise fail("check_cols", "the check strategy needs check_cols: 'all' or a list of "
                   "columns" if not check_cols else f"check_cols={check_cols!r} must be "
                   "'all' or a list of columns")
    return SnapshotSpec(strategy=strategy, unique_key=tuple(k.strip() for k in keys),
                        updated_at=updated_at, check_cols=cols,
                        hard_deletes=_hard_deletes(cfg, fail), columns=_meta_names(cfg, fail),
                        valid_to_current=_valid_to_current(cfg, fail))


def _hard_deletes(cfg: Mapping[str, Any], fail: Callable[..., ProjectError]) -> str:
    legacy, mode = cfg.get("invalidate_hard_deletes"), cfg.get("hard_deletes")
    if legacy is not None and mode is not None:
        raise fail("invalidate_hard_deletes", "set hard_deletes or invalidate_hard_deletes, "
                   "not both", "invalidate_hard_deletes: true is the older hard_deletes: "
                   "invalidate")
    if legacy not in (None, True, False):
        raise fail("invalidate_hard_deletes", f"invalidate_hard_deletes={legacy!r} must be "
                   "true or false")
    if legacy:
        return "invalidate"
    if mode not in (None, *HARD_DELETES):
        raise fail("hard_deletes", f"hard_deletes={mode!r} is not one of "
                   + ", ".join(HARD_DELETES))
    return mode or "ignore"


def _meta_names(cfg: Mapping[str, Any], fail: Callable[..., ProjectError]
                ) -> tuple[tuple[str, str], ...]:
    names = cfg.get("snapshot_meta_column_names") or {}
    if not isinstance(names, Mapping):
        raise fail("snapshot_meta_column_names", "snapshot_meta_column_names must map "
                   "dbt_valid_from (and the others) to column names")
    for key, value in names.items():
        if key not in META_COLUMNS or not (value is None or isinstance(value, str) and value):
            raise fail("snapshot_meta_column_names", f"snapshot_meta_column_names: {key!r}: "
                       f"{value!r} is not a meta column and its new name",
                       "keys: " + ", ".join(META_COLUMNS))
    return tuple((k, str(v)) for k, v in names.items() if v)


def _valid_to_current(cfg: Mapping[str, Any], fail: Callable[..., ProjectError]) -> str | None:
    value = cfg.get("dbt_valid_to_current")
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise fail("dbt_valid_to_current", f"dbt_valid_to_current={value!r} must be an SQL "
                   "expression, such as \"'9999-12-31'::timestamp\"")
    return value or None


def compile_snapshot(renderer: Renderer, node: SnapshotNode, resolver: Resolver,
                     vars: Mapping[str, Any], nodes: Mapping[NodeId, Node],
                     config: ProjectConfig, *,
                     analyze: Callable[..., Any] | None = None) -> SnapshotNode:
    """The snapshot's query with refs and sources resolved, checked and analysed as a
    model's is (one statement; tables read only through ref()/source(); ephemeral models
    inlined)."""
    from warehouse.compile.resolve import _cross_check, _inject_ephemerals

    if analyze is None:
        from warehouse.compile.parse import analyze_model_sql as analyze
    state = RenderState(node.path, resolve_ref=resolver.ref, resolve_source=resolver.source,
                        this=RelationView(node.relation), vars=vars)
    if node.path.endswith((".yml", ".yaml")):  # a YAML snapshot: its `relation:`
        state.line = node.line
        sql = renderer.render_string(node.template, state, _context(config))
    else:
        sql = renderer.render_snapshot(node.path, node.name, state, _context(config))
    parsed = analyze(sql, path=node.path, template=node.template)
    _cross_check(parsed.tables, node, sql, nodes)
    full_sql, spans = _inject_ephemerals(renderer, node, resolver, vars, nodes, sql)
    digest = checksum(full_sql, json.dumps(node.config, sort_keys=True, default=str))
    return replace(node, compiled_sql=full_sql, sql_columns=parsed.columns, checksum=digest,
                   ephemeral_spans=spans)
