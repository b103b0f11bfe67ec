"""`warehouse debug [--connection]`: dbt's check that the profile leads to a database.

dbt's `debug` reads the project and the profile and opens a connection;
`--connection` does the last step only. Here the connection is a DuckDB file: it
is fine when the published file opens (read-only, as every reader opens it), or
when it does not exist yet and its folder lets a build create it. The project's
models are not read: a broken model is `compile`'s business, not the profile's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def command(root: Path, args: Any) -> int:
    """Print what was checked; 0 when the database can be reached, 1 when it cannot."""
    from warehouse.adapters.target import adapter_for
    from warehouse.compile.files import load_config

    config = load_config(root)
    if not getattr(args, "connection", False):
        print(f"project: {config.name} ({config.root})")
        if getattr(config, "profile_name", None):
            print(f"profile: {config.profile_name}, target {config.target_name}")
    adapter = adapter_for(config)
    problem = connection_problem(adapter, _storage(adapter))
    print(f"database: {adapter.location}")
    if problem:
        print(f"Connection test: ERROR: {problem}")
        return 1
    print("Connection test: OK")
    return 0


def _storage(adapter: Any) -> Path:
    """What a first build creates: DuckDB's file, or a Spark target's warehouse folder
    (whose `location` names the master too, so it is not a path)."""
    settings = getattr(adapter, "settings", None)
    if settings is not None and hasattr(settings, "warehouse_path"):
        return settings.warehouse_path
    return Path(adapter.location)


def connection_problem(adapter: Any, path: Path) -> str | None:
    """Why the warehouse file cannot be read or created; None when it can."""
    from warehouse.adapters.base import Unavailable

    if adapter.published_exists():
        try:
            session = adapter.open_published()
        except Unavailable as exc:
            return str(exc)
        try:
            session.execute("select 1")
        finally:
            session.close()
        return None
    folder = path.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist, so {path.name} cannot be created there"
    if not os.access(folder, os.W_OK):
        return f"the folder {folder} is not writable, so {path.name} cannot be created there"
    return None
