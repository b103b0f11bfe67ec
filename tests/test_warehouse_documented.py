"""Every seed and model of the warehouse, and every column it builds, has a description."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.compile.load import load_project
from warehouse.core.nodes import ModelNode, SeedNode
from warehouse.run.results import RunOptions
from warehouse.run.runner import execute

ROOT = Path(__file__).resolve().parent.parent


def test_every_relation_and_column_is_described(tmp_path):
    import io

    from warehouse.core.console import Console

    project = load_project(ROOT)
    database = tmp_path / "warehouse.duckdb"
    result = execute(project, RunOptions(command="prepare", database=database),
                     Console(io.StringIO(), colour=False))
    assert result.exit_code == 0
    con = duckdb.connect(str(database), read_only=True)
    undescribed = []
    for node in project.nodes.values():
        if not isinstance(node, (ModelNode, SeedNode)) or node.materialized == "ephemeral":
            continue
        if not node.description.strip():
            undescribed.append(f"{node.name} (the {node.materialized} itself)")
        described = {c.name for c in node.columns if c.description.strip()}
        built = [row[0] for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [node.relation.schema, node.relation.name]).fetchall()]
        undescribed += [f"{node.name}.{c}" for c in built if c not in described]
        undescribed += [f"{node.name}.{c} (described, not built)" for c in described
                        if c not in built]
    con.close()
    assert not undescribed, "\n".join(undescribed)
