"""The stored state of a Spark warehouse: each node's fingerprint, in a table beside it.

As on DuckDB, fingerprints live inside the warehouse they describe (table
`node_state` of the project's `_warehouse` database), written by the build
that built the relations, so state and relations cannot come from different
builds. The table is small and rewritten whole (Parquet has no UPDATE), as a
new version that is published last (see versions.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from warehouse.adapters.base import NodeState

STATE_SCHEMA = "_warehouse"
STATE_TABLE = "node_state"
_SCHEMA = ("unique_id string, fingerprint string, local_fingerprint string, relation string, "
           "status string, failures bigint, message string, built_at timestamp")


def read_nodes(spark: Any, table: str) -> dict[str, NodeState]:
    rows = spark.sql(f"select unique_id, fingerprint, local_fingerprint, relation, status, "
                     f"failures, message, built_at from {table}").collect()
    return {r[0]: NodeState(*[r[i] for i in range(7)],
                            r[7].replace(tzinfo=UTC) if r[7] is not None else None)
            for r in rows}


def write_nodes(spark: Any, run: Any, table: str, current: str | None,
                states: Iterable[NodeState], keep: Iterable[str]) -> None:
    """Write table `table`: the rows of `current` (None: no table yet) with those of
    `states` replaced, without the rows of nodes not in `keep`."""
    from warehouse.adapters.spark.materialize import write_table

    nodes = read_nodes(spark, current) if current else {}
    now = datetime.now(UTC).replace(tzinfo=None)
    for state in states:
        nodes[state.unique_id] = state
    kept = set(keep)
    rows = [(s.unique_id, s.fingerprint, s.local_fingerprint, s.relation, s.status,
             s.failures, s.message, (s.built_at or now).replace(tzinfo=None))
            for key, s in sorted(nodes.items()) if key in kept]
    frame = spark.createDataFrame(rows, schema=_SCHEMA)
    view = "wh_node_state_rows"
    frame.createOrReplaceTempView(view)
    try:
        write_table(run, table, f"select * from {view}")
    finally:
        spark.catalog.dropTempView(view)


def data_signature(run: Any, described: Any, target: str) -> str:
    """A digest of a relation's columns and rows, whatever their order (Session.
    data_signatures): the sum of the rows' hashes, wide enough not to overflow."""
    import hashlib

    columns = described(target)
    count, total = run(f"select count(*), sum(cast(xxhash64(*) as decimal(38, 0))) "
                       f"from {target}")[0]
    return hashlib.sha256(repr((columns, count, str(total))).encode()).hexdigest()[:32]
