"""Fingerprints: what a node's relation (or a test's result) is a function of.

A node's *local* fingerprint hashes what the node itself says: a model's SQL,
normalized so that whitespace and comments do not count, and the config that
shapes its relation (materialization, schema, alias, unique key, strategy,
...); a seed's file content and declared column types; a source's relation; a
test's SQL and the config that judges it.
Descriptions, tags and a model's tests are documentation and selection, not
data: editing them changes no fingerprint, so no table is rebuilt for them.

The *full* fingerprint folds in the parents' full fingerprints, as SQLMesh
does, so a change anywhere upstream changes every fingerprint below it. The
runner compares full fingerprints with the ones stored in the warehouse
(`warehouse.adapters.duckdb.state`) to skip unchanged nodes; `state:modified` compares local
ones, so `state:modified` is what was edited and `state:modified+` adds what
depends on it.

Everything here is pure: nodes in, hex digests out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from warehouse.compile.memo import Memo
from warehouse.core.identity import NodeId
from warehouse.core.nodes import ModelNode, Node, SeedNode, SnapshotNode, SourceNode, TestNode

# Bumped when what goes into a fingerprint changes, or when the engine builds a relation
# differently from the same inputs, so old stored states read as "changed" (a rebuild)
# instead of as a false "unchanged" that keeps what a fresh build would not give.
# 2: a dbt project's seeds take dbt-duckdb's column types (INTEGER, not BIGINT).
# 3: SQL normalized by DuckDB's tokenizer, keywords as written (`normalize_sql`).
FINGERPRINT_VERSION = "3"

# Config keys that document or select a node but do not change what it builds.
DOC_ONLY_CONFIG = frozenset({
    "tags", "description", "meta", "docs", "persist_docs", "group", "access", "columns",
    "tests", "data_tests", "enabled", "labels",
})
# Test config that judges the result (`where` is already part of the SQL; tags are not).
TEST_RESULT_CONFIG = ("severity", "warn_if", "error_if", "limit", "store_failures",
                      "fail_calc")

@dataclass(frozen=True)
class Fingerprint:
    """`local`: the node alone; `full`: the node and, transitively, its parents."""

    local: str
    full: str


def digest(*parts: str) -> str:
    """A short, stable hex digest of text parts (NUL-separated, so parts cannot run together)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def normalize_sql(sql: str) -> str:
    """The SQL as DuckDB's tokenizer reads it, one token per line, comments left out.

    Whitespace and comments fall away; every token keeps its exact text, keywords
    too: DuckDB names a column by what was written (`select 1 as FROM` outputs a
    column `FROM`, `select date '2020-01-01'` one ending in `AS date`), so a change
    of case may change the relation, and only a rebuild is sure to give what the
    SQL now says. The tokenizer is DuckDB's own (compiled: microseconds a model),
    not the analyser's, so fingerprinting a model needs neither sqlglot nor a
    parse; where it fails, whitespace-normalized text stands in.

    >>> normalize_sql("select 1 -- one") == normalize_sql("select\\n  1")
    True
    """
    from warehouse.adapters.target import sql_parser

    try:
        tokens = sql_parser("duckdb").tokens(sql)
    except Exception:  # (DuckDB's tokenizer reads anything; in doubt, the text)
        return " ".join(sql.split())
    return "\n".join(f"{kind}:{text}" for kind, text in tokens
                     if kind != "comment" and text != ";")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr, separators=(",", ":"))


def relevant_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config that shapes the built relation: everything but documentation keys."""
    return {k: v for k, v in config.items() if k not in DOC_ONLY_CONFIG}


def sql_digest(sql: str) -> str:
    """The digest of a query's normalized form: what a fingerprint holds of SQL."""
    return digest(normalize_sql(sql))


def local_fingerprint(node: Node, *, sql_digest: Callable[[str], str] = sql_digest) -> str:
    """The node's own fingerprint, parents left out.

    An incremental model's `is_incremental()` branch counts too: an edit to that
    branch alone changes what the next run appends. A generic test's SQL is
    generated from its YAML, so whitespace-normalized text stands for it
    (tokenizing hundreds of generated tests was a quarter of a cold load); a
    singular test's SQL is the user's and is normalized."""
    if isinstance(node, ModelNode):
        return digest(FINGERPRINT_VERSION, "model", str(node.relation), node.materialized,
                      _canonical(relevant_config(node.config)), sql_digest(node.compiled_sql),
                      sql_digest(node.incremental_sql) if node.incremental_sql else "",
                      # rendered at run time: its template, the macros and the vars count
                      *((node.render_inputs,) if node.render_inputs else ()))
    if isinstance(node, SnapshotNode):  # (it always runs: see run/plan.py)
        return digest(FINGERPRINT_VERSION, "snapshot", str(node.relation),
                      _canonical(relevant_config(node.config)), sql_digest(node.compiled_sql))
    if isinstance(node, SeedNode):
        return digest(FINGERPRINT_VERSION, "seed", str(node.relation), node.checksum,
                      _canonical(dict(node.column_types)),
                      _canonical(relevant_config(node.config)))
    if isinstance(node, SourceNode):
        return digest(FINGERPRINT_VERSION, "source", str(node.relation))
    if isinstance(node, TestNode):
        config = {k: getattr(node.config, k, None) for k in TEST_RESULT_CONFIG}
        sql = " ".join(node.sql.split()) if node.test_name is not None else sql_digest(node.sql)
        return digest(FINGERPRINT_VERSION, "test", sql, _canonical(config))
    from warehouse.core.nodes import UnitTestNode

    if isinstance(node, UnitTestNode):  # its model as rendered for it, and what it gives
        return digest(FINGERPRINT_VERSION, "unit_test", sql_digest(node.sql),
                      _canonical([node.given, node.expect, node.overrides]))
    raise TypeError(f"no fingerprint for {type(node).__name__}")


def fold(local: Mapping[NodeId, str], order: Iterable[NodeId],
         parents: Mapping[NodeId, Iterable[NodeId]]) -> dict[NodeId, Fingerprint]:
    """Full fingerprints: each local one with its parents' full ones. `order` puts parents
    before children (`Dag.topological_order`, which has already rejected cycles and
    unknown parents)."""
    full: dict[NodeId, str] = {}
    for node_id in order:
        folded = sorted(f"{p}={full[p]}" for p in parents.get(node_id, ()))
        full[node_id] = digest(local[node_id], *folded)
    return {n: Fingerprint(local[n], full[n]) for n in local}


def refold(previous: Mapping[NodeId, Fingerprint], local: Mapping[NodeId, str],
           order: Iterable[NodeId], parents: Mapping[NodeId, Iterable[NodeId]]
           ) -> dict[NodeId, Fingerprint]:
    """`previous` with the nodes of `local` given new local fingerprints and every node of
    `order` (those nodes and all below them, parents first) folded again, as `fold` does;
    the rest are kept (delta_load.py: a load after a few models changed)."""
    out = dict(previous)
    for node_id in order:
        own = local[node_id] if node_id in local else previous[node_id].local
        folded = sorted(f"{p}={out[p].full}" for p in parents.get(node_id, ()))
        out[node_id] = Fingerprint(own, digest(own, *folded))
    return out


def fingerprints(nodes: Mapping[NodeId, Node], order: Iterable[NodeId],
                 parents: Mapping[NodeId, Iterable[NodeId]], *,
                 sql_digest: Callable[[str], str] = sql_digest,
                 known_local: Mapping[NodeId, str] | None = None) -> dict[NodeId, Fingerprint]:
    """Every node's fingerprint. `sql_digest` may be a memoized `sql_digest` (the parse
    cache keeps one); `known_local`, local fingerprints already computed for these very
    nodes (the parse cache's, for nodes a load took whole from the last one)."""
    known_local = known_local or {}
    local = {node_id: known_local.get(node_id) or local_fingerprint(node, sql_digest=sql_digest)
             for node_id, node in nodes.items()}
    return fold(local, order, parents)


class DigestMemo(Memo[str]):
    """`sql_digest` remembered by the SQL's own hash, to carry from one load to the next:
    a load after one model changed normalizes that model's SQL only. `version` names
    the normalizer (`normalizer_version()`): a memo made by another is not used."""

    def __call__(self, sql: str) -> str:
        return self.get(sql, sql_digest)


def normalizer_version() -> str:
    from warehouse.adapters.target import sql_parser

    return f"{FINGERPRINT_VERSION}/{sql_parser('duckdb').version}"
