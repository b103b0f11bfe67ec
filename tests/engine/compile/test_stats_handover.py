"""The files' stats taken once per command (compile/files.take_stats): the no-op's check
hands them to the load that follows, for that configuration object only, once; and a
load from stats taken before an edit never hides the edit from the next command."""

from __future__ import annotations

import os
import time
from pathlib import Path

from warehouse.compile import files, parse_cache
from warehouse.compile.files import handed_stats, load_config, take_stats

FILES = {
    "models/a.sql": "select 1 as id",
    "models/b.sql": "select id from {{ ref('a') }}",
}


def age(root: Path, seconds: float = 100) -> None:
    then = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file() and "target" not in path.parts:
            os.utime(path, (then, then))


def test_stats_go_to_the_same_configuration_once(make_project):
    root = make_project(FILES)
    config, other = load_config(root), load_config(root)
    taken = take_stats(config, hand_over=True)
    assert any(rel == "models/a.sql" for rel, *_ in taken.stats)
    assert handed_stats(other) is None  # another object, even of equal content
    assert handed_stats(config) is None  # (handed once: the first ask took it)
    take_stats(config, hand_over=True)
    assert handed_stats(config).stats == taken.stats
    assert handed_stats(config) is None
    take_stats(config, hand_over=True)
    take_stats(config)  # (stats taken without handing over end an earlier handover)
    assert handed_stats(config) is None


def test_a_command_stats_the_files_once(make_project, monkeypatch):
    from warehouse.cli import main

    root = make_project(FILES)
    age(root)
    assert main(["build", "--project-dir", str(root)]) == 0
    (root / "models/b.sql").write_text("select id + 1 as id from {{ ref('a') }}")
    walks = []
    real = files.file_stats
    monkeypatch.setattr(files, "file_stats", lambda config: walks.append(1) or real(config))
    assert main(["build", "--project-dir", str(root)]) == 0
    assert walks == [1]


def test_an_edit_after_the_stats_shows_next_time(make_project):
    root = make_project(FILES)
    age(root)
    parse_cache.load_cached(root)
    parse_cache.load_cached(root)  # (settled: the stats now stand for the files)
    config = load_config(root)
    take_stats(config, hand_over=True)
    (root / "models/a.sql").write_text("select 22 as id")  # after the command's stats
    age(root)
    before = parse_cache.load_cached(root, config=config)  # the files as their stats were
    after = parse_cache.load_cached(root)  # the next command's stats differ
    model = next(n for n in after.nodes if str(n) == "model.a")
    assert "22" in after.nodes[model].compiled_sql
    assert "22" not in before.nodes[model].compiled_sql
