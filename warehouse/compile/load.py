"""`load_project`: the entry point of the compile layer.

A load reads the configuration and files (`warehouse.compile.files`) and
assembles them (`warehouse.compile.assemble`); with `cache`, a load whose
inputs are unchanged comes from target/ instead (`warehouse.compile.parse_cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.core.heap import fewer_collections

if TYPE_CHECKING:  # (importing it costs a no-op answered from its stamp: run/noop.py)
    from warehouse.compile.project import Project


def load_project(root: Path, *, vars: Mapping[str, Any] | None = None,
                 cache: bool = False, config: Any = None, late: bool = False,
                 on_change: Callable[[], None] | None = None) -> Project:
    """Render, parse and check every node of the project in `root`; `vars` on top of the
    project's own. `config`: its configuration, when the caller loaded it already.
    `late`: a build may start while the models' SQL checks still run
    (`warehouse.compile.late_checks`; `project.late_checks` then holds them).
    `on_change`: called once the parse cache shows that the project changed since it
    was written, before the load renders anything (a build opens its workspace then)."""
    with fewer_collections():
        if cache:
            from warehouse.compile.parse_cache import load_cached

            return load_cached(root, vars, config, late=late, on_change=on_change)
        from warehouse.compile.assemble import assemble_project
        from warehouse.compile.files import load_config, read_files

        config = config if config is not None else load_config(root, vars)
        return assemble_project(config, read_files(config), vars=vars)
