"""The search index the site's search box reads: written at build time, searched in the page.

One entry per model, seed and source, per column and per reconciliation check:
[kind, name, where it is, a short text, the link]. It is a script that sets
`window.DOCS_INDEX` rather than a JSON file, because a page opened from file://
may load a script beside it but may not fetch a file. Texts are cut short so
the index stays small (tens of KiB for this project).
"""

from __future__ import annotations

import json

from warehouse.serve.docs.gather import Site
from warehouse.serve.docs.graph_svg import layer_rank
from warehouse.serve.docs.pages import anchor, page_name

TEXT = 160  # characters of a description kept for the results list


def search_entries(site: Site) -> list[list[str]]:
    from warehouse.serve.docs.report import check_anchor

    entries = []
    # marts first: among equal matches the page keeps the index's order
    for node in sorted(site.order, key=lambda n: (site.nodes[n].layer != "marts",
                                                  -layer_rank(site.nodes[n].layer)[0])):
        doc = site.nodes[node]
        page = page_name(node)
        entries.append([node.kind.value, node.name, doc.layer, _short(doc.description), page])
        for column in doc.columns:
            entries.append(["column", column.name, node.name, _short(column.description),
                            f"{page}#{anchor(column.name)}"])
    for row in site.report or ():
        text = f"{row.get('status', '')} {row.get('check_kind', '')}: {row.get('explanation', '')}"
        sources = str(row.get("source_ids") or "").replace(",", " ")
        entries.append(["check", str(row["check_id"]), sources, _short(text),
                        f"reconciliation.html#{check_anchor(str(row['check_id']))}"])
    return entries


def search_index_js(site: Site) -> str:
    data = json.dumps(search_entries(site), ensure_ascii=False, separators=(",", ":"))
    return f"window.DOCS_INDEX = {data};\n"


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TEXT else text[:TEXT - 1].rstrip() + "…"
