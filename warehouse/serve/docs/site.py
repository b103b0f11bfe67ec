"""Write the gathered site to a folder: pages, stylesheet, script, search index, mart CSVs.

The pages are written to a fresh folder beside the target, which then
replaces it, so a reader never sees half a site and pages of nodes that no
longer exist do not linger.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from warehouse.serve.docs.charts import commodity_chart, trade_chart
from warehouse.serve.docs.gather import Site
from warehouse.serve.docs.graph_svg import lineage_svg
from warehouse.serve.docs.pages import index_page, node_page, page_name
from warehouse.serve.docs.report import report_page
from warehouse.serve.docs.search import search_index_js
from warehouse.serve.docs.tables import csv_name, csv_text


def render_site(site: Site) -> dict[str, str]:
    """Every file of the site, by name."""
    graph = lineage_svg(site.order, {n: d.parents for n, d in site.nodes.items()},
                        {n: d.layer for n, d in site.nodes.items()}, page_name,
                        {n: d.description for n, d in site.nodes.items()})
    charts = []
    if site.trade is not None:
        svg = trade_chart(site.trade["figures"], site.trade["estimates"])
        if svg:
            charts.append(("trade", "Bilateral trade by flow", svg))
    if site.commodities:
        svg = commodity_chart(site.commodities)
        if svg:
            charts.append(("commodities", "Commodities by direction", svg))
    static = resources.files("warehouse.serve.docs")
    files = {"index.html": index_page(site, graph, charts),
             "style.css": static.joinpath("style.css").read_text(encoding="utf-8"),
             "site.js": static.joinpath("site.js").read_text(encoding="utf-8"),
             "search-index.js": search_index_js(site)}
    for node, doc in site.nodes.items():
        files[page_name(node)] = node_page(site, doc)
    for node, sample in site.samples.items():
        files[csv_name(node.name)] = csv_text(sample)
    if site.report is not None:
        files["reconciliation.html"] = report_page(site, site.report)
    return files


def write_site(files: dict[str, str], out_dir: Path) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    try:
        for name, text in files.items():
            (fresh / name).parent.mkdir(parents=True, exist_ok=True)
            (fresh / name).write_text(text, encoding="utf-8")
        os.chmod(fresh, 0o755)
        if out_dir.exists():
            old = out_dir.with_name(out_dir.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(fresh, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(fresh, out_dir)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
