"""Names of things: relations in the database and nodes in the project graph.

Everything else imports from here; this module imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NodeKind(StrEnum):
    MODEL = "model"
    SEED = "seed"
    SOURCE = "source"
    TEST = "test"
    SNAPSHOT = "snapshot"
    UNIT_TEST = "unit_test"


def quote_ident(name: str) -> str:
    """A DuckDB identifier, always quoted so any name is safe."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: object) -> str:
    """A value as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True, order=True)
class Relation:
    """A table or view in the warehouse: schema and name."""

    schema: str
    name: str

    @property
    def sql(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, order=True)
class NodeId:
    """A node of the project graph, unique across kinds: `model.fct_trade`."""

    kind: NodeKind
    name: str

    # Written out, not generated: every dict and set of the engine is keyed by NodeIds, and
    # the generated ones build a tuple and hash the enum in Python (an Enum's __hash__).
    # Equal ids have equal names, so the name's hash (cached by str) will do.
    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is NodeId:
            return self.name == other.name and self.kind is other.kind  # type: ignore[attr-defined]
        return NotImplemented

    def __str__(self) -> str:
        return f"{self.kind.value}.{self.name}"

    @classmethod
    def parse(cls, text: str) -> NodeId:
        kind, _, name = text.partition(".")
        return cls(NodeKind(kind), name)


def checksum(*parts: str | bytes) -> str:
    """A short stable digest of the parts, each ended by a NUL so that ("ab", "c") and
    ("a", "bc") differ: what node checksums and the names of hashed tests are made of."""
    import hashlib

    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]
