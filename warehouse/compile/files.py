"""Reading a project from disk: its configuration and every file the engine reads.

The only step of the compile pipeline that touches the filesystem. The
configuration is a `[tool.warehouse]` table in pyproject.toml or, when the
folder holds a `dbt_project.yml`, a dbt project with its DuckDB profile
(`warehouse.dbt.project`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from warehouse.core.config import ProjectConfig, load_pyproject_config
from warehouse.core.errors import ProjectError
from warehouse.core.textfile import read_text


def load_config(root: Path, vars: Mapping[str, Any] | None = None) -> ProjectConfig:
    """The project's configuration, from dbt_project.yml if there is one, else pyproject.toml.
    `vars` (--vars) are what `var()` reads in dbt_project.yml."""
    root = root.resolve()
    if not root.is_dir():
        raise ProjectError(f"project folder {root} does not exist")
    if (root / "dbt_project.yml").is_file():
        from warehouse.dbt.project import load_dbt_config

        return load_dbt_config(root, cli_vars=vars)
    return load_pyproject_config(root)


@dataclass(frozen=True)
class ProjectFiles:
    """Every file the engine reads, by project-relative posix path."""

    models: Mapping[str, str]
    properties: Mapping[str, str]
    seeds: tuple[str, ...]
    macros: Mapping[str, str]
    docs: Mapping[str, str]
    tests: Mapping[str, str]
    snapshots: Mapping[str, str] = field(default_factory=dict)  # .sql under snapshot paths
    # Unit test fixtures: CSV and SQL files under a test path's `fixtures/` folder (not
    # singular tests, as in dbt), read by name from `fixture:` (compile/unit_tests.py).
    fixtures: Mapping[str, str] = field(default_factory=dict)
    # dbt's python models (.py under model paths of a dbt project): each is refused when it
    # runs, and what reads it is skipped; the rest of the project builds.
    python_models: Mapping[str, str] = field(default_factory=dict)


def read_files(config: ProjectConfig) -> ProjectFiles:
    """Every file the engine reads. Each folder is walked once, whatever the number of
    patterns and file kinds looked for in it: a warm (cached) load spends most of its
    time here."""
    root = config.root
    base = str(root)
    listings: dict[str, list[str]] = {}

    def files_under(folder: str) -> list[str]:
        if folder not in listings:
            found: list[str] = []
            _files_under(os.path.join(base, folder), base, found)
            listings[folder] = found
        return listings[folder]

    def scan(folders: tuple[str, ...], *suffixes: str) -> list[str]:
        found = {rel for folder in folders for rel in files_under(folder)
                 if rel.endswith(suffixes)}
        # Sorted as paths (by parts, as pathlib sorts), not as strings: 'a/b' before 'a-b'.
        return sorted(found, key=lambda rel: rel.split("/"))

    def texts(found: list[str]) -> dict[str, str]:
        return {rel: read_text(os.path.join(base, rel), rel) for rel in found}

    fixture_dirs = tuple(f"{folder.rstrip('/')}/fixtures/" for folder in config.test_paths)
    in_tests = scan(config.test_paths, ".sql", ".csv")
    files = ProjectFiles(
        models=texts(scan(config.model_paths, ".sql")),
        properties=texts(scan(config.model_paths + config.seed_paths + config.snapshot_paths,
                              ".yml", ".yaml")),
        seeds=tuple(scan(config.seed_paths, ".csv")),
        macros=texts(scan(config.macro_paths, ".sql")),
        docs=texts(scan(config.docs_paths, ".md")),
        tests=texts([rel for rel in in_tests
                     if rel.endswith(".sql") and not rel.startswith(fixture_dirs)]),
        fixtures=texts([rel for rel in in_tests if rel.startswith(fixture_dirs)]),
        snapshots=texts(scan(config.snapshot_paths, ".sql")),
        python_models=texts(scan(config.model_paths, ".py"))
        if config.config_file == "dbt_project.yml" else {},
    )
    for package in config.packages:  # dbt packages: by their paths under the install folder
        files = replace(
            files, models={**files.models, **texts(scan(package.model_paths, ".sql"))},
            properties={**files.properties, **texts(scan(
                package.model_paths + package.seed_paths, ".yml", ".yaml"))},
            seeds=files.seeds + tuple(scan(package.seed_paths, ".csv")),
            macros={**files.macros, **texts(scan(package.macro_paths, ".sql"))},
            docs={**files.docs, **texts(scan(package.docs_paths, ".md"))},
            tests={**files.tests, **texts(scan(package.test_paths, ".sql"))})
    return files




def _files_under(path: str, base: str, found: list[str]) -> None:
    """The regular files under `path` (symbolic links followed, as os.walk(followlinks=True)
    and os.path.isfile see them), relative to `base`, '/'-separated."""
    for rel, entry in _walk(path, base):
        try:
            if entry.is_file():
                prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
                found.append(prefix + entry.name)
        except OSError:
            continue


def project_folders(config: ProjectConfig) -> list[str]:
    """Every folder `read_files` reads from, the project's and its packages'."""
    folders = [*config.model_paths, *config.seed_paths, *config.macro_paths,
               *config.docs_paths, *config.test_paths, *config.snapshot_paths]
    for package in config.packages:
        folders += [*package.model_paths, *package.seed_paths, *package.macro_paths,
                    *package.docs_paths, *package.test_paths]
    return sorted(set(folders))


def file_stats(config: ProjectConfig) -> tuple[list[tuple[str, int, int, int]], int]:
    """(path, size, mtime, ctime) of every file under the folders a load reads, whatever
    its kind, and the newest mtime: what decides, without reading a byte, that no input
    changed (`warehouse.run.noop`). The ctime catches a tool that writes a file and sets
    its old mtime back. Costs a stat per file, no read."""
    base = str(config.root)
    found: list[tuple[str, int, int, int]] = []
    for folder in project_folders(config):
        _stat_tree(os.path.join(base, folder), base, found)
    found.sort()
    return found, max((mtime for _rel, _size, mtime, _ctime in found), default=0)


@dataclass(frozen=True)
class Taken:
    """`file_stats` of a configuration, and the wall clock (ns) just before they were taken."""

    config: Any
    stats: list[tuple[str, int, int, int]]
    newest: int
    wall: int


_handed: Taken | None = None


def take_stats(config: ProjectConfig, *, hand_over: bool = False) -> Taken:
    """`file_stats(config)` with the time they were taken. With `hand_over`, they are kept
    for the load of the very same configuration object that follows (`handed_stats`): a
    command that first asks whether anything changed (run/noop.py) and then loads the
    project (load_stats.py) stats every file once, not twice (10,000 files at 5,000
    models). Stats taken earlier than the load reads are as good as later ones: an
    edit in between differs from them next time, and whether the files had settled is
    judged from the earlier time."""
    import time

    global _handed
    wall = time.time_ns()
    stats, newest = file_stats(config)
    taken = Taken(config, stats, newest, wall)
    _handed = taken if hand_over else None
    return taken


def handed_stats(config: ProjectConfig) -> Taken | None:
    """The stats handed over for `config` (that very object), once; None otherwise."""
    global _handed
    taken, _handed = _handed, None
    return taken if taken is not None and taken.config is config else None


def _stat_tree(path: str, base: str, found: list[tuple[str, int, int, int]]) -> None:
    """`file_stats` of one folder: a stat per entry that is not a folder, whatever its kind."""
    for rel, entry in _walk(path, base):
        try:
            st = entry.stat()
        except OSError:
            continue
        found.append((f"{rel}/{entry.name}", st.st_size, st.st_mtime_ns, st.st_ctime_ns))


def _walk(path: str, base: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every entry under `path` that is not a folder, with its folder relative to `base`
    (once per folder, not per file), walked as os.walk(followlinks=True) walks it:
    scandir's entries carry their path and kind, so no stat or path join per file."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    rel = os.path.relpath(path, base)
    for entry in entries:
        try:
            if entry.is_dir():
                yield from _walk(entry.path, base)
                continue
        except OSError:
            continue
        yield rel, entry
