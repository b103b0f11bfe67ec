"""`warehouse export --parquet DIR`: each mart of the published warehouse as a Parquet file.

Exports read the *published* file read-only, never rebuild: what lands in
DIR is exactly what analysts see. Each file is written under a temporary
name and renamed into place, so a reader of `DIR/<mart>.parquet` sees the
old file or the new one, never a half-written one.

The mart list is shared with `warehouse publish`: the relations the project
materializes in schema `marts`, each checked to exist in the published
warehouse (the DuckDB file, or the Spark target's published databases with
`--target spark`: the same command writes the marts Spark built).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.core.errors import ProjectError, UsageError
from warehouse.core.identity import Relation

if TYPE_CHECKING:
    from warehouse.adapters.base import Session
    from warehouse.compile.project import Project
    from warehouse.core.nodes import ModelNode

MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class ExportedFile:
    mart: str
    path: Path
    rows: int
    seconds: float


def open_published(project: Project) -> Session:
    """A read-only session on the published warehouse; a clear error if there is none."""
    from warehouse.adapters.base import Unavailable
    from warehouse.adapters.target import adapter_for

    adapter = adapter_for(project.config)
    if not adapter.published_exists():
        raise ProjectError(f"there is no published warehouse at {adapter.location}",
                           hint="run `warehouse build` first; this command copies what it "
                                "published and never builds")
    try:
        return adapter.open_published()
    except Unavailable as exc:
        raise ProjectError(str(exc), hint="close the program that holds it open read-write "
                                          "(BI tools should open it read-only)") from None


def mart_nodes(project: Project, session: Session) -> list[ModelNode]:
    """The models published to BI tools, by name, all present in the file: those the
    project materializes in `marts`, and any other model whose config sets
    `meta: {publish: true}` (an intermediate relation analysts query); `publish: false`
    leaves a mart out. They land side by side (one PostgreSQL schema, one folder), so
    their names must differ."""
    from warehouse.core.nodes import ModelNode

    nodes = sorted(
        (node for node in project.nodes.values()
         if isinstance(node, ModelNode) and _published(node)), key=lambda n: n.relation.name)
    if not nodes:
        raise ProjectError(f"the project materializes no models in schema {MARTS_SCHEMA!r}",
                           hint=f"marts are the models configured with schema = "
                                f"{MARTS_SCHEMA!r}")
    for node in nodes:
        if node.materialized == "ephemeral":
            raise ProjectError(f"model {node.name} is ephemeral: it has no relation to publish",
                               path=node.path, hint="materialize it as a table or view, or "
                                                    "remove meta: {publish: true}")
    by_name: dict[str, ModelNode] = {}
    for node in nodes:
        other = by_name.setdefault(node.relation.name, node)
        if other is not node:
            raise ProjectError(f"{other.relation} and {node.relation} would be published "
                               f"under one name, {node.relation.name}", path=node.path,
                               hint="rename one of them, or leave one unpublished with "
                                    "meta: {publish: false}")
    # asked through the protocol (not information_schema): a Spark target has none
    missing = [str(n.relation) for n in nodes if session.relation_kind(n.relation) is None]
    if missing:
        from warehouse.adapters.target import adapter_for

        raise ProjectError(
            f"the published warehouse {adapter_for(project.config).label} lacks "
            + ", ".join(missing), hint="run `warehouse build` to publish the current models")
    return nodes


def _published(node: ModelNode) -> bool:
    from collections.abc import Mapping

    meta = node.config.get("meta")
    flag = meta.get("publish") if isinstance(meta, Mapping) else None
    if flag is None:
        return node.relation.schema == MARTS_SCHEMA
    if not isinstance(flag, bool):
        raise ProjectError(f"model {node.name}: meta publish must be true or false, "
                           f"got {flag!r}", path=node.path)
    return flag


def export_parquet(project: Project, folder: Path, *, echo=print) -> list[ExportedFile]:
    """Write every mart to `folder/<mart>.parquet`; one line per file through `echo`."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--parquet {folder} is a file, not a folder")
    session = open_published(project)
    try:
        relations = [node.relation for node in mart_nodes(project, session)]
        folder.mkdir(parents=True, exist_ok=True)
        remove_dead_temps(folder)
        written = []
        for relation in relations:
            done = _export_one(session, relation, folder)
            echo(f"  {relation} {'.' * max(3, 40 - len(relation.name))} "
                 f"[{done.rows} rows in {done.seconds:.2f}s] -> {done.path}")
            written.append(done)
        return written
    finally:
        session.close()


def _export_one(session: Session, relation: Relation, folder: Path) -> ExportedFile:
    started = time.perf_counter()
    name = relation.name
    final = folder / f"{name}.parquet"
    temp = folder / f".{name}.parquet.{os.getpid()}.tmp"
    try:
        rows = session.export_parquet(relation, temp)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportedFile(name, final, rows, time.perf_counter() - started)


def remove_dead_temps(folder: Path) -> list[str]:
    """Remove the `.<mart>.parquet.<pid>.tmp` files of exports that were killed: those whose
    pid is no live process. The pid in the name says who writes it, and a live one may be
    another export writing right now (a dead export's file whose pid was reused meanwhile
    waits for that process to end: never removed while someone might be writing it)."""
    removed = []
    for temp in folder.glob(".*.parquet.*.tmp"):
        found = re.fullmatch(r"\..+\.parquet\.(\d+)\.tmp", temp.name)
        if found and not _alive(int(found.group(1))):
            with contextlib.suppress(OSError):  # another export removed it first
                temp.unlink()
                removed.append(temp.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if pid <= 0:  # no process's (and 0 would ask about our own process group)
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:
        return True  # it exists, as another user's process (EPERM)
    return True


def command(project: Project, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    written = export_parquet(project, args.parquet)
    total = sum(f.rows for f in written)
    print(f"\nExported {len(written)} marts ({total} rows) to {args.parquet} "
          f"in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return 0
