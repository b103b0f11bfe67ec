"""`warehouse docs`: a static, self-contained documentation site in target/docs.

Gather (project, published warehouse read-only, last run results) → render
(HTML, inline SVG graph and charts) → write; `--serve` then serves it on
127.0.0.1. Only gathering touches the outside world; the rest is pure.
"""

from __future__ import annotations

import time
from typing import Any


def build_docs(project: Any) -> tuple[Any, dict[str, str]]:
    """Gather and write the site; returns what was gathered and the files written."""
    from warehouse.serve.docs.gather import gather
    from warehouse.serve.docs.site import render_site, write_site

    site = gather(project)
    files = render_site(site)
    write_site(files, project.target_path / "docs")
    return site, files


def command(project: Any, args: Any) -> int:
    started = time.perf_counter()
    site, files = build_docs(project)
    out = project.target_path / "docs"
    size = sum(len(text.encode("utf-8")) for text in files.values())
    print(f"wrote {len(files)} files ({size / 1024:.0f} KiB) to {out} "
          f"in {time.perf_counter() - started:.2f}s")
    if not site.built:
        print(f"note: {site.note}; the site has no column types or charts")
    print(f"open {out / 'index.html'}")
    if getattr(args, "serve", False):
        from warehouse.serve.docs.serve import serve

        return serve(out, args.port)
    return 0
