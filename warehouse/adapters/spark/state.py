"""The stored state of a Spark warehouse: each node's fingerprint, in a table beside it.

As on DuckDB, fingerprints live inside the warehouse they describe (table
`node_state` of the project's `_warehouse` database), written by the build
that built the relations, so state and relations cannot come from different
builds. The table is small and rewritten whole (Parquet has no UPDATE), as a
new version that is published last (see versions.py).

A node's fingerprint digests the model's DuckDB SQL, but Spark runs what the
transpiler writes from it: a release that writes some construct differently
(a meaning fixed) must rebuild what the old one built. So each stored
fingerprint carries the writer that built it (`writer()`: a digest of this
package's source, sqlglot's and pyspark's versions); a row of another writer
reads back with no fingerprint, which the planner treats as changed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warehouse.adapters.base import NodeState

STATE_SCHEMA = "_warehouse"
STATE_TABLE = "node_state"
_SCHEMA = ("unique_id string, fingerprint string, local_fingerprint string, relation string, "
           "status string, failures bigint, message string, built_at timestamp")


@functools.cache
def writer() -> str:
    """What turns a model into the Spark SQL that built it: this package's code and the
    versions of sqlglot and pyspark."""
    import hashlib
    import importlib.metadata

    import sqlglot

    folder = Path(__file__).parent
    code = hashlib.sha256()
    for module in sorted(folder.glob("*.py")):
        code.update(module.name.encode() + b"\0" + module.read_bytes())
    code.update(f"sqlglot {sqlglot.__version__}, pyspark "
                f"{importlib.metadata.version('pyspark')}".encode())
    return code.hexdigest()[:16]


def _stored(fingerprint: str) -> str:
    return f"{fingerprint}@{writer()}"


def _built_here(stored: str | None) -> str:
    """The fingerprint of a row this writer stored; "" (never equal) for another's."""
    fingerprint, _, by = (stored or "").rpartition("@")
    return fingerprint if by == writer() else ""


def read_nodes(spark: Any, table: str) -> dict[str, NodeState]:
    rows = spark.sql(f"select unique_id, fingerprint, local_fingerprint, relation, status, "
                     f"failures, message, built_at from {table}").collect()
    return {r[0]: NodeState(r[0], _built_here(r[1]), *[r[i] for i in range(2, 7)],
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
    rows = [(s.unique_id, _stored(s.fingerprint), s.local_fingerprint, s.relation, s.status,
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
