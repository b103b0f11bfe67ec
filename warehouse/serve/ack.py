"""`warehouse ack CHECK_ID --reason TEXT`: acknowledge a known inconsistency in one command.

An analyst who has read a failing check and found it real (the sources do
differ) acknowledges it with a row in a seed (`[tool.warehouse.ack]` names
the seed, the relation holding the checks and the two columns). Typing that
row by hand is where mistakes creep in: an id copied with a character
missing acknowledges nothing, a comma in the reason breaks the CSV, a
second row for the same id breaks the seed's unique test. This command
writes the row a careful analyst would: the id checked against the latest
build, the reason quoted as CSV requires, the file's own columns and line
endings kept, the file replaced atomically. The next `warehouse build`
loads it; nothing here touches the warehouse.

The ids are looked up in the latest build: the failed build kept in
target/ when the last build failed (a new check exists only there, since a
failed build is never published; a later build removes it), else the
published warehouse. Both are opened read-only through the adapter.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from warehouse.core.config import ACK_EXAMPLE, AckConfig, ProjectConfig
from warehouse.core.errors import ProjectError, UsageError
from warehouse.core.identity import Relation

MIN_REASON = 10  # characters: "known" or "ok" says nothing to the next reader
PLACEHOLDER = "<why this is not an error>"  # what the failing test's command line holds
DATE_COLUMN = "acknowledged_on"  # filled with today's date when the seed has it


def command(project: Any, args: argparse.Namespace) -> int:
    """Check the ids and the reason, then append one row per new id to the seed."""
    ack = _configured(project.config)
    reason = checked_reason(args.reason)
    ids = list(dict.fromkeys(i.strip() for i in args.check_ids if i.strip()))
    if not ids:
        raise UsageError("no check id given", hint="warehouse ack CHECK_ID --reason TEXT")
    seed = seed_file(project, ack)
    table = SeedTable.read(seed, project.config.root, ack)
    known, where = check_ids(project.config, ack)
    _refuse_unknown(ids, known, where, ack)
    new = [i for i in ids if i not in table.ids]
    for check_id in ids:
        if check_id in table.ids:
            line, text = table.ids[check_id]
            print(f"{check_id} is already acknowledged ({table.shown}:{line}): {text}")
    if new:
        written = table.append(new, reason)
        print(f"acknowledged in {table.shown}:")
        for line in written:
            print(f"  {line}")
        print("run `warehouse build` to load the seed and check again")
    return 0


def _configured(config: ProjectConfig) -> AckConfig:
    if config.ack is None:
        raise UsageError("`warehouse ack` is not configured for this project",
                         path=config.config_file,
                         hint="say where acknowledgements go, in pyproject.toml:\n"
                              + ACK_EXAMPLE)
    return config.ack


def checked_reason(text: str) -> str:
    """The reason on one line; refused when it is a placeholder or too short to help the
    next reader, who sees it beside the check in the marts."""
    reason = " ".join((text or "").split())
    if PLACEHOLDER in reason:
        raise UsageError("--reason still holds the placeholder",
                         hint="replace it with why this is not an error, in your own words")
    if len(reason) < MIN_REASON:
        raise UsageError(f"--reason {reason!r} is too short (at least {MIN_REASON} characters)",
                         hint="say why the sources disagree and why that is not an error, "
                              "such as \"the source rounds the growth rate\"")
    return reason


def seed_file(project: Any, ack: AckConfig) -> Path:
    """The seed's CSV file, as the project loaded it (found under its seed paths)."""
    from warehouse.core.identity import NodeId, NodeKind

    node = project.nodes.get(NodeId(NodeKind.SEED, ack.seed))
    if node is not None:
        return project.config.root / node.path
    seeds = sorted(n.name for n in project.nodes.values() if n.id.kind is NodeKind.SEED)
    paths = ", ".join(project.config.seed_paths)
    raise ProjectError(f"ack seed {ack.seed!r} is not a seed of this project (none of "
                       f"{paths} holds {ack.seed}.csv)", **_setting(project.config, "seed"),
                       hint=_close(ack.seed, seeds, "seeds"))


def check_ids(config: ProjectConfig, ack: AckConfig) -> tuple[set[str], str]:
    """Every id in the checks relation of the latest build, and what that build is."""
    from warehouse.adapters.base import DatabaseError, Unavailable
    from warehouse.adapters.target import FAILED_BUILD_NAME, adapter_for

    failed = config.root / config.target_dir / FAILED_BUILD_NAME
    if failed.is_file():
        adapter = adapter_for(config, failed)
        where = f"the failed build kept in {_shown(failed, config.root)}"
    else:
        adapter, where = adapter_for(config), "the published warehouse"
    try:
        session = adapter.open_published()
    except Unavailable as exc:
        raise UsageError(f"cannot read the checks: {exc}") from None
    relation = _relation(config, ack)
    try:
        if session.relation_kind(relation) is None:
            raise ProjectError(f"{where} has no relation {relation} (ack checks)",
                               **_setting(config, "checks"),
                               hint="run `warehouse build`, or name the checks relation")
        _, rows = session.query(f"select distinct cast({_quoted(ack.id_column)} as varchar) "
                                f"from {relation.sql}")
    except DatabaseError as exc:
        raise ProjectError(f"cannot read column {ack.id_column!r} of {relation} in {where}: "
                           f"{str(exc).splitlines()[0]}", **_setting(config, "id_column"),
                           hint="ack id_column names the checks' id column") from None
    finally:
        session.close()
    return {r[0].strip() for r in rows if r[0] is not None}, where


def _refuse_unknown(ids: list[str], known: set[str], where: str, ack: AckConfig) -> None:
    """Nothing is written unless every id exists: a mistyped id acknowledges nothing."""
    unknown = [i for i in ids if i not in known]
    if not unknown:
        return
    first = unknown[0]
    others = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
    close = _close(first, known, "check ids")
    raise UsageError(f"no check {first!r} in {ack.checks} ({where}){others}; nothing written",
                     hint=close if close.startswith("did") else f"{close}: copy the id from the "
                     f"failing test's output, or select {ack.id_column} from {ack.checks}")


def _close(word: str, choices: Any, what: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"no {what} with a similar name"


def _relation(config: ProjectConfig, ack: AckConfig) -> Relation:
    schema, _, name = ack.checks.rpartition(".")
    return Relation(schema or config.schema_name(None), name)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _setting(config: ProjectConfig, key: str) -> dict[str, Any]:
    """Where [tool.warehouse.ack] sets `key`: an error about it points at that line."""
    from warehouse.compile.config_origin import setting_locator

    return setting_locator(config)(("ack", key), True)


@dataclass
class SeedTable:
    """The seed's CSV file as written: text, header, line ending, and its acknowledged ids
    (line number and reason), so an appended row matches the rows around it."""

    path: Path
    shown: str
    text: str
    bom: bool
    newline: str
    header: list[str]
    ack: AckConfig
    ids: dict[str, tuple[int, str]]

    @classmethod
    def read(cls, path: Path, root: Path, ack: AckConfig) -> SeedTable:
        import csv

        from warehouse.core.textfile import decode

        shown = _shown(path, root)
        data = _read_bytes(path, shown)
        text = decode(data, shown)
        newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"
        reader = csv.reader(text.splitlines(keepends=True))
        header = next(reader, [])
        missing = [c for c in (ack.id_column, ack.reason_column) if c not in header]
        if missing:
            raise ProjectError(f"the seed has no column {missing[0]!r} (ack "
                               f"{'id_column' if missing[0] == ack.id_column else 'reason_column'}"
                               f"); its header: {','.join(header)}", path=shown, line=1)
        ids: dict[str, tuple[int, str]] = {}
        at_id, at_reason = header.index(ack.id_column), header.index(ack.reason_column)
        for row in reader:
            if len(row) > at_id and row[at_id].strip():
                reason = row[at_reason] if len(row) > at_reason else ""
                ids.setdefault(row[at_id].strip(), (reader.line_num, reason))
        return cls(path, shown, text, data.startswith(b"\xef\xbb\xbf"), newline, header, ack,
                   ids)

    def append(self, ids: list[str], reason: str) -> list[str]:
        """Append a row per id, atomically, keeping the file's mode; the lines written."""
        import csv
        import io
        import os

        from warehouse.core.atomic import write_atomic

        out = io.StringIO()
        writer = csv.writer(out, lineterminator=self.newline)
        for check_id in ids:
            values = {self.ack.id_column: check_id, self.ack.reason_column: reason,
                      DATE_COLUMN: date.today().isoformat()}
            writer.writerow([values.get(column, "") for column in self.header])
        body = self.text.rstrip("\r\n") + self.newline if self.text.strip() else self.text
        data = ("\ufeff" if self.bom else "") + body + out.getvalue()
        mode = self.path.stat().st_mode & 0o7777
        try:
            write_atomic(self.path, data.encode("utf-8"))
            os.chmod(self.path, mode)  # a temp file is private: keep who may read the seed
        except OSError as exc:
            raise ProjectError(f"cannot write the seed: {exc.strerror or exc}",
                               path=self.shown) from None
        return out.getvalue().splitlines()


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProjectError(f"cannot read the seed: {exc.strerror or exc}", path=shown) from None
