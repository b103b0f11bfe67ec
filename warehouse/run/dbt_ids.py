"""dbt's names for our nodes: the `unique_id`s and `fqn`s its artifacts carry.

Inside the engine a node is `model.orders` (kind and name, see core/identity.py);
tools that read dbt's artifacts look nodes up as dbt names them:
`model.<package>.<name>`, `source.<package>.<source>.<table>`,
`test.<package>.<name>.<hash>` for a generic test (dbt adds ten hex digits so that
two tests of one name stay apart), `unit_test.<package>.<model>.<name>`. The package
is the project (or installed package) whose folder holds the node's file.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from warehouse.core.identity import NodeId, NodeKind, checksum
from warehouse.core.nodes import SourceNode, TestNode, UnitTestNode
from warehouse.dbt.packages import config_for


def package_of(project: Any, node: Any) -> str:
    """The name of the project or package whose folder holds the node's file."""
    return str(config_for(project.config, node.path or "").name)


def unique_id(project: Any, node: Any, package: str | None = None) -> str:
    """dbt's `unique_id` of one node (`package`: its `package_of`, when known)."""
    package = package if package is not None else package_of(project, node)
    kind = node.id.kind
    if isinstance(node, SourceNode):
        return f"source.{package}.{node.source_name}.{node.table_name}"
    if isinstance(node, UnitTestNode):
        return f"unit_test.{package}.{node.model}.{node.name}"
    if isinstance(node, TestNode) and node.test_name is not None:
        return f"test.{package}.{node.name}.{checksum(package, node.name)[:10]}"
    return f"{kind.value}.{package}.{node.name}"


def fqn(project: Any, node: Any) -> list[str]:
    """dbt's fully qualified name: package, folders under the resource folder, name."""
    package = package_of(project, node)
    if isinstance(node, SourceNode):
        return [package, *_folders(project, node), node.source_name, node.table_name]
    return [package, *_folders(project, node), node.name]


def _folders(project: Any, node: Any) -> list[str]:
    """The folders between the resource folder (models/, seeds/ ...) and the file."""
    path = PurePosixPath(node.path or "")
    config = config_for(project.config, node.path or "")
    package_dir = getattr(config, "package_dir", "")
    if package_dir:
        path = path.relative_to(package_dir) if path.is_relative_to(package_dir) else path
    return list(path.parts[1:-1])


def id_map(project: Any) -> dict[NodeId, str]:
    """dbt's `unique_id` of every node of the project (the package worked out once per
    folder: a folder lies in one package's folder)."""
    packages: dict[str, str] = {}
    out = {}
    for node_id, node in project.nodes.items():
        folder = (node.path or "").rpartition("/")[0]
        package = packages.get(folder)
        if package is None:
            package = packages[folder] = package_of(project, node)
        out[node_id] = unique_id(project, node, package)
    return out


def is_built(node_id: NodeId, node: Any) -> bool:
    """Whether a node is a relation in the warehouse (ephemeral models are not)."""
    return node_id.kind in (NodeKind.MODEL, NodeKind.SEED, NodeKind.SNAPSHOT) and (
        getattr(node, "materialized", None) != "ephemeral")
