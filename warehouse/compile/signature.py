"""The engine's signature: what every cached result of a load depends on besides the project.

Split from `parse_cache`, which keys its cache with it, as do the no-op's stamp
(`warehouse.run.noop`) and the lineage server.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGES = (("sqlglot", "sqlglot"), ("duckdb", "duckdb"), ("jinja2", "jinja2"),
             ("yaml", "PyYAML"))  # (module, distribution)


def engine_signature() -> str:
    """Versions of the engine and what it parses with, and the state of its own modules.

    Versions come from the installed distributions' `*.dist-info` folder names
    and the packages' files are stat'ed, not imported: importing sqlglot and
    importlib.metadata alone would cost a warm load more than the rest of it."""
    from importlib.util import find_spec

    parts = [sys.version]
    listings: dict[Path, list[str]] = {}
    for module, dist in _PACKAGES:
        spec = find_spec(module)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is None or not origin.exists():
            parts.append(f"{module}=?")
            continue
        stat = origin.stat()
        site = origin.parent.parent
        if site not in listings:
            listings[site] = sorted(os.listdir(site))
        prefix = dist.lower() + "-"
        dists = [n for n in listings[site]
                 if n.lower().startswith(prefix) and n.endswith(".dist-info")]
        parts.append(f"{module}:{origin}:{stat.st_size}:{stat.st_mtime_ns}:{dists}")
    package = str(Path(__file__).parent.parent)  # every layer of `warehouse`, not only compile/
    parts += sorted(_module_stats(package, len(package) + 1))
    return "\n".join(parts)


def _module_stats(folder: str, cut: int) -> list[str]:
    """`path:size:mtime` of every module under `folder` (scandir: no path objects, about
    a millisecond for the whole engine)."""
    out = []
    for entry in os.scandir(folder):
        if entry.is_dir():
            if entry.name != "__pycache__":
                out += _module_stats(entry.path, cut)
        elif entry.name.endswith(".py"):
            stat = entry.stat()
            out.append(f"{entry.path[cut:]}:{stat.st_size}:{stat.st_mtime_ns}")
    return out
