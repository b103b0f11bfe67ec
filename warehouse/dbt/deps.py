"""`warehouse deps`: install a dbt project's `local:` packages, and say what else is missing.

`dbt deps` installs every entry of packages.yml into `dbt_packages/` (or the
project's `packages-install-path`): a `local:` package as a link to its folder
(a copy where links cannot be made), a hub or git package by downloading it.
The engine works without a network, so it installs the local ones the same
way and, for each hub or git entry, says whether `dbt deps` already
installed it or that it has to be fetched elsewhere. Nothing is deleted
except an earlier install of the same local package.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.dbt.packages import (
    DEFAULT_INSTALL_PATH,
    PackageEntry,
    guessed_names,
    installed,
    local_name,
    read_entries,
)


@dataclass(frozen=True)
class Outcome:
    """What `deps` did about one entry of packages.yml: `ok` false when it is missing."""

    entry: PackageEntry
    ok: bool
    message: str


def install_path(root: Path) -> str:
    """The project's `packages-install-path` (dbt's default: dbt_packages). Read on its own:
    installing packages needs no profile, and the project may not load without them."""
    from warehouse.core.properties import load_yaml, strip_lines
    from warehouse.core.textfile import read_text
    from warehouse.dbt.profile import render_value

    if not (root / "dbt_project.yml").is_file():
        raise ProjectError(f"{root} has no dbt_project.yml",
                           hint="`warehouse deps` installs the packages of a dbt project")
    data = strip_lines(load_yaml(read_text(root / "dbt_project.yml", "dbt_project.yml"),
                                 "dbt_project.yml")) or {}
    value = data.get("packages-install-path") if isinstance(data, Mapping) else None
    return str(render_value(value, "dbt_project.yml") or DEFAULT_INSTALL_PATH)


def install(root: Path) -> list[Outcome]:
    """Install the local packages of the project in `root`; one outcome per entry."""
    folder = install_path(root)
    entries, _text = read_entries(root)
    outcomes = []
    for entry in entries:
        if entry.kind == "local":
            outcomes.append(_install_local(root, folder, entry))
        else:
            outcomes.append(_remote(root, folder, entry))
    return outcomes


def _install_local(root: Path, folder: str, entry: PackageEntry) -> Outcome:
    name = local_name(root, entry)
    source = (root / entry.spec).resolve()
    dest = root / folder / name
    shown = f"{folder}/{name}"
    if dest.is_symlink() and dest.resolve() == source:
        return Outcome(entry, True, f"{entry.label}: already installed as {shown}")
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.is_dir():
        shutil.rmtree(dest)  # an earlier copy of this package: replaced, as dbt deps does
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.symlink(source, dest, target_is_directory=True)
        how = "linked"
    except OSError:  # no symlinks here (some file systems, Windows without the right)
        shutil.copytree(source, dest)
        how = "copied"
    return Outcome(entry, True, f"{entry.label}: {how} {source} as {shown}")


def _remote(root: Path, folder: str, entry: PackageEntry) -> Outcome:
    found = installed(root, folder) if (root / folder).is_dir() else {}
    names = [n for n in guessed_names(entry) if n in found]
    if names:
        return Outcome(entry, True, f"{entry.label}: installed in {found[names[0]]} "
                                    "(by dbt deps; not checked for its version)")
    return Outcome(entry, False, f"{entry.label}: not installed. The engine fetches nothing "
                                 f"over the network: run `dbt deps` where {entry.source} can "
                                 f"be reached, or copy the package into {folder}/")


def command(root: Path, args: Any) -> int:
    """The CLI command: 0 when every package is installed, 1 when one is missing."""
    outcomes = install(root)
    if not outcomes:
        print("no packages listed (packages.yml or dependencies.yml)")
        return 0
    for outcome in outcomes:
        line = f"{outcome.entry.file}:{outcome.entry.line}: {outcome.message}"
        print(line, file=sys.stdout if outcome.ok else sys.stderr)
    missing = sum(not o.ok for o in outcomes)
    if missing:
        print(f"{missing} of {len(outcomes)} packages are not installed", file=sys.stderr)
        return 1
    return 0
