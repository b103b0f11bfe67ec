"""manifest.json after a one-model edit is the last file with the changed entries replaced
(run/manifest_splice.py): byte for byte what a full write gives, and a full write whenever
the last file is not provably the one written for the last load."""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

import pytest

from warehouse.compile import parse_cache
from warehouse.run import manifest_splice
from warehouse.run.artifacts import manifest, write_manifest

FILES = {
    "seeds/people.csv": "id,name\n1,An\n2,Binh\n",
    "models/stg.sql": "select id, name from {{ ref('people') }}",
    "models/mid.sql": "select id, id * 2 as scaled from {{ ref('stg') }}",
    "models/leaf.sql": "select id, scaled + 1 as more from {{ ref('mid') }}",
    "models/other.sql": "{{ config(materialized='table') }}\nselect 1 as id",
    "models/schema.yml": """
        models:
          - name: mid
            description: Scaled.
            columns:
              - name: id
                data_tests: [unique, not_null]
          - name: leaf
            columns:
              - name: more
                data_tests: [not_null]
        """,
}


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def timeless(data: bytes) -> bytes:
    return re.sub(rb'"generated_at": "[^"]*"', b'"generated_at": ""', data, count=1)


def full(project) -> bytes:
    return timeless(json.dumps(manifest(project), default=str).encode())


@pytest.fixture
def written(make_project, monkeypatch):
    """A project whose manifest was written for its last load, and a record of whether
    each later write was spliced."""
    root = make_project(FILES)
    path = root / "target/manifest.json"
    assert write_manifest(path, parse_cache.load_cached(root))
    ways: list[str] = []
    real = manifest_splice.spliced

    def spy(*args):
        data = real(*args)
        ways.append("spliced" if data is not None else "full")
        return data

    monkeypatch.setattr(manifest_splice, "spliced", spy)
    return root, path, ways


def test_an_edited_model_and_what_is_below_it_are_rewritten_in_place(written):
    root, path, ways = written
    write(root, "models/mid.sql", "select id, id * 3 as scaled from {{ ref('stg') }}")
    project = parse_cache.load_cached(root)
    assert project.changed_since is not None and project.changed_since[1]
    assert write_manifest(path, project)
    assert ways == ["spliced"]
    assert timeless(path.read_bytes()) == full(project)
    entry = json.loads(path.read_bytes())["nodes"]["model.project.mid"]
    assert "id * 3" in entry["raw_code"]
    write(root, "models/leaf.sql", "select id, scaled + 2 as more from {{ ref('mid') }}")
    again = parse_cache.load_cached(root)  # spliced into a spliced file
    assert write_manifest(path, again) and ways == ["spliced", "spliced"]
    assert timeless(path.read_bytes()) == full(again)


def test_a_manifest_edited_since_is_written_in_full(written):
    root, path, ways = written
    path.write_bytes(path.read_bytes().replace(b"Scaled.", b"Edited."))
    os.utime(path, ns=(1, 1))
    write(root, "models/mid.sql", "select id, id * 3 as scaled from {{ ref('stg') }}")
    project = parse_cache.load_cached(root)
    assert write_manifest(path, project) and ways == ["full"]
    assert timeless(path.read_bytes()) == full(project)


def test_a_new_edge_or_another_last_load_means_a_full_write(written):
    root, path, ways = written
    write(root, "models/leaf.sql", "select id, 1 as more from {{ ref('stg') }}")
    project = parse_cache.load_cached(root)  # an edge changed: none of the entries kept
    assert write_manifest(path, project) and ways == ["full"]
    assert timeless(path.read_bytes()) == full(project)
    write(root, "models/other.sql", "{{ config(materialized='table') }}\nselect 2 as id")
    project = parse_cache.load_cached(root)
    project.changed_since = ("another load", project.changed_since[1])
    assert write_manifest(path, project) and ways == ["full", "full"]
    assert timeless(path.read_bytes()) == full(project)


def test_more_changed_entries_than_a_scan_is_worth_is_a_full_write(written, monkeypatch):
    root, path, ways = written
    monkeypatch.setattr(manifest_splice, "MOST", 1)
    write(root, "models/stg.sql", "select id, name from {{ ref('people') }} where id > 0")
    project = parse_cache.load_cached(root)
    assert write_manifest(path, project) and ways == ["full"]
    assert timeless(path.read_bytes()) == full(project)


def test_an_entry_longer_than_a_read_window_is_found_whole(written, monkeypatch):
    """Entries are read in windows that grow: one longer than the first (a long model) is
    read to its end, not taken for a broken file."""
    root, path, ways = written
    long = "select id, id * 3 as scaled -- " + "x" * 300_000 + "\nfrom {{ ref('stg') }}"
    write(root, "models/mid.sql", long)
    project = parse_cache.load_cached(root)
    assert write_manifest(path, project) and ways == ["spliced"]  # (the old entry: short)
    write(root, "models/mid.sql", long.replace("* 3", "* 4"))
    again = parse_cache.load_cached(root)  # the old entry: longer than a window
    assert write_manifest(path, again) and ways == ["spliced", "spliced"]
    assert timeless(path.read_bytes()) == full(again)


def test_without_the_kernel_copy_the_bytes_are_copied_the_same(written, monkeypatch):
    root, path, ways = written
    monkeypatch.delattr(os, "copy_file_range")  # (another system)
    write(root, "models/mid.sql", "select id, id * 3 as scaled from {{ ref('stg') }}")
    project = parse_cache.load_cached(root)
    assert write_manifest(path, project) and ways == ["spliced"]
    assert timeless(path.read_bytes()) == full(project)


def test_a_manifest_replaced_while_it_is_spliced_is_written_in_full(written, monkeypatch):
    root, path, ways = written
    write(root, "models/mid.sql", "select id, id * 3 as scaled from {{ ref('stg') }}")
    project = parse_cache.load_cached(root)
    real = manifest_splice.Splice.write

    done = []

    def replaced_first(self, target):  # another writer renames its file in meanwhile
        os.replace(path, path.with_name("moved.json"))
        path.write_bytes(path.with_name("moved.json").read_bytes())
        done.append(real(self, target))
        return done[-1]

    monkeypatch.setattr(manifest_splice.Splice, "write", replaced_first)
    assert write_manifest(path, project) and ways == ["spliced"] and done == [False]
    assert timeless(path.read_bytes()) == full(project)
    assert not list(path.parent.glob("*.tmp"))
