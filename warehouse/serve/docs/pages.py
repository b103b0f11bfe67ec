"""The site's HTML pages, as functions from gathered values to strings.

Every piece of text that comes from the project (YAML descriptions, SQL,
seed values, database rows) passes through `esc` before it reaches the page,
so a description holding markup shows as text. Pages link to one local
stylesheet and load nothing else: the site opens the same from file:// as
from a server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
from typing import Any

from warehouse.core.identity import NodeId
from warehouse.serve.docs.gather import NodeDoc, Site
from warehouse.serve.docs.graph_svg import layer_rank
from warehouse.serve.docs.tables import sample_section

STATUS_CLASS = {"pass": "ok", "success": "ok", "consistent": "ok", "warn": "warn",
                "unverifiable": "warn", "fail": "bad", "error": "bad", "inconsistent": "bad",
                "skipped": "muted", "not run yet": "muted"}


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def page_name(node: NodeId) -> str:
    return f"{node.kind.value}.{re.sub(r'[^A-Za-z0-9_.-]', '_', node.name)}.html"


def anchor(column: str) -> str:
    return "col-" + re.sub(r"[^A-Za-z0-9_-]", "_", column.lower())


def layout(site: Site, title: str, body: str) -> str:
    """The frame of every page: a header with the search box, the body, the one script."""
    nav = ['<a href="index.html#marts">Marts</a>', '<a href="index.html#lineage">Lineage</a>']
    if site.report is not None:
        nav.append('<a href="reconciliation.html">Reconciliation</a>')
    search = ('<div class="search"><input id="search" type="search" placeholder="Search models, '
              'columns, checks" aria-label="Search the documentation" autocomplete="off">'
              '<ul id="search-results" hidden></ul></div>')
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{esc(title)} · {esc(site.project)}</title>'
            f'<link rel="icon" href="data:,"><link rel="stylesheet" href="style.css"></head><body>'
            f'<header><a class="brand" href="index.html">{esc(site.project)}</a>'
            f'<nav>{" ".join(nav)}</nav>{search}</header><main>{body}</main>'
            f'<footer>Written by <code>warehouse docs</code>.</footer>'
            f'<script src="search-index.js"></script><script src="site.js"></script>'
            f'</body></html>\n')


def paragraphs(text: str) -> str:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text or "") if b.strip()]
    if not blocks:
        return '<p class="muted">No description.</p>'
    return "".join(f"<p>{esc(b)}</p>" for b in blocks)


def not_built_note(site: Site) -> str:
    if site.built:
        return ""
    return (f'<p class="note" id="not-built">The warehouse has not been built, so column types, '
            f'row counts and charts are missing ({esc(site.note)}). Run <code>warehouse build'
            f'</code>, then <code>warehouse docs</code> again.</p>')


def node_link(site: Site, node: NodeId) -> str:
    doc = site.nodes.get(node)
    layer = doc.layer if doc else node.kind.value
    return (f'<a class="chip {esc(layer)}" href="{esc(page_name(node))}">{esc(node.name)}</a>')


def index_page(site: Site, graph_svg: str, charts: Iterable[tuple[str, str, str]]) -> str:
    """Marts first (what analysts query), then the report, the lineage, the charts, and the
    other layers from the marts back to where data enters."""
    counts: dict[str, int] = {}
    for doc in site.nodes.values():
        counts[doc.id.kind.value] = counts.get(doc.id.kind.value, 0) + 1
    summary = ", ".join(f"{n} {kind}s" for kind, n in sorted(counts.items()))
    parts = [f"<h1>{esc(site.project)}</h1>", not_built_note(site),
             f"<p>{esc(summary)}. Data tests: {_test_summary(site)}.</p>"]
    by_layer: dict[str, list[NodeDoc]] = {}
    for node in sorted(site.order, key=lambda n: n.name):
        by_layer.setdefault(site.nodes[node].layer, []).append(site.nodes[node])
    layers = sorted(by_layer, key=lambda name: (name != "marts", -layer_rank(name)[0], name))
    if "marts" in by_layer:
        parts.append('<h2 id="marts">Marts</h2><p class="muted">The published tables: each '
                     'page has the columns, sample rows and a CSV download.</p>')
        parts.append(_node_list(site, by_layer["marts"]))
    if site.report is not None:
        bad = sum(1 for r in site.report if r.get("status") == "inconsistent")
        parts.append(f'<p><a href="reconciliation.html">Reconciliation report</a>: '
                     f'{len(site.report)} checks, {bad} inconsistent.</p>')
    parts.append('<h2 id="lineage">Lineage</h2><p class="muted">Data flows left to right, a '
                 'column per layer. Select a node to light up what it reads and what reads it; '
                 'select it again, or press Enter on it, to open its page.</p>'
                 '<div class="graph-tools"><button type="button" id="zoom-out" '
                 'aria-label="Zoom out">−</button><span id="zoom-level">100%</span><button '
                 'type="button" id="zoom-in" aria-label="Zoom in">+</button><button '
                 'type="button" id="zoom-fit">Fit</button>'
                 '<div class="lineage-panel" id="lineage-panel" hidden><b class="name"></b> '
                 '<span class="counts muted"></span> <a class="open" href="index.html">Open '
                 'its page →</a> <button type="button" id="lineage-clear">Clear</button> '
                 '<span class="about muted"></span></div></div>'
                 f'<div class="scroll graph">{graph_svg}</div>')
    for chart_id, title, svg in charts:
        parts.append(f'<h2 id="{esc(chart_id)}">{esc(title)}</h2><div class="scroll">{svg}</div>')
    others = [layer for layer in layers if layer != "marts"]
    if others:
        parts.append('<h2 id="nodes">Other models, seeds and sources</h2>')
    for layer in others:
        parts.append(f'<h3 id="layer-{esc(layer)}">{esc(layer)}</h3>'
                     + _node_list(site, by_layer[layer]))
    return layout(site, "Overview", "".join(parts))


def _node_list(site: Site, docs: Iterable[NodeDoc]) -> str:
    rows = "".join(
        f'<tr><td>{node_link(site, d.id)}</td><td>{_rows_cell(d)}</td>'
        f'<td><code>{esc(d.relation)}</code></td><td>{esc(_first_sentence(d.description))}'
        f'</td></tr>' for d in docs)
    return ('<table class="list"><thead><tr><th>name</th><th>rows</th><th>relation</th>'
            f'<th>description</th></tr></thead><tbody>{rows}</tbody></table>')


def _rows_cell(doc: NodeDoc) -> str:
    kind = esc(doc.materialized)
    return f"{doc.rows:,} rows, {kind}" if doc.rows is not None else kind


def _test_summary(site: Site) -> str:
    """Each test once (a relationships test is listed on both of its nodes), by last result."""
    status = {t.name: t.status for doc in site.nodes.values() for t in doc.tests}
    if not status:
        return "none"
    counts: dict[str, int] = {}
    for value in status.values():
        counts[value] = counts.get(value, 0) + 1
    shown = ", ".join(f'<span class="status {STATUS_CLASS.get(k, "muted")}">{n} {esc(k)}</span>'
                      for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    when = f" (last run {esc(site.results_at)})" if site.results_at else ""
    return shown + when


def _first_sentence(text: str) -> str:
    text = " ".join((text or "").split())
    cut = text.find(". ")
    return text if cut < 0 or cut > 220 else text[:cut + 1]


def node_page(site: Site, doc: NodeDoc) -> str:
    kind = doc.id.kind.value
    facts = [("kind", kind), ("layer", doc.layer), ("materialization", doc.materialized),
             ("relation", doc.relation), ("file", doc.path)]
    if doc.rows is not None:
        facts.append(("rows", f"{doc.rows:,}"))
    fact_rows = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>"
                        for k, v in facts)
    parts = [f'<p class="crumbs"><a href="index.html">Overview</a> › {esc(doc.layer)}</p>',
             f'<h1><span class="badge {esc(doc.layer)}">{esc(kind)}</span> {esc(doc.id.name)}</h1>',
             not_built_note(site), f'<div class="description">{paragraphs(doc.description)}</div>',
             f'<table class="facts">{fact_rows}</table>',
             '<h2>Upstream and downstream</h2><p>Reads: ',
             " ".join(node_link(site, p) for p in doc.parents) or '<span class="muted">nothing '
             '(data enters here)</span>', '</p><p>Read by: ',
             " ".join(node_link(site, c) for c in doc.children) or '<span class="muted">nothing'
             '</span>', "</p>", _columns_table(site, doc)]
    if doc.id in site.samples:
        parts.append(sample_section(doc, site.samples[doc.id]))
    parts.append(_tests_table(site, doc))
    if doc.sql:
        parts.append(f'<h2>Compiled SQL</h2><pre class="sql"><code>{esc(doc.sql.strip())}'
                     f'</code></pre>')
    return layout(site, doc.id.name, "".join(parts))


def _columns_table(site: Site, doc: NodeDoc) -> str:
    if not doc.columns:
        return '<h2>Columns</h2><p class="muted">No columns known.</p>'
    is_model = doc.id.kind.value == "model"
    head = "<th>column</th><th>type</th><th>description</th>"
    head += "<th>derived from</th>" if is_model else ""
    head += "<th>used by</th>"
    rows = []
    for c in doc.columns:
        if c.data_type:
            origin = ' <span class="muted">(declared)</span>' if c.type_origin == "declared" else ""
            typed = f"<code>{esc(c.data_type)}</code>{origin}"
        else:
            typed = '<span class="muted">unknown</span>'
        cells = (f'<td id="{esc(anchor(c.name))}"><code>{esc(c.name)}</code></td><td>{typed}</td>'
                 f'<td>{esc(c.description)}</td>')
        if is_model:
            cells += f'<td class="lineage">{_lineage_cell(site, c.lineage)}</td>'
        used = _refs(site, c.used_by, limit=6) or '<span class="muted">—</span>'
        cells += f'<td class="used-by">{used}</td>'
        rows.append(f"<tr>{cells}</tr>")
    note = ""
    if doc.lineage_error:
        note = f'<p class="note">Column lineage unknown: {esc(doc.lineage_error)}</p>'
    return (f'<h2>Columns</h2>{note}<div class="scroll"><table class="columns"><thead><tr>{head}'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def _lineage_cell(site: Site, lineage: Any) -> str:
    if lineage is None:
        return '<span class="muted">unknown</span>'
    if lineage.status == "constant":
        return '<span class="muted">no upstream column (computed)</span>'
    if lineage.status == "unknown":
        return f'<span class="muted" data-tip="{esc(lineage.note)}">unknown</span>'
    partial = f' <span class="muted">({esc(lineage.note)})</span>' if lineage.note else ""
    return _refs(site, lineage.sources) + partial


def _refs(site: Site, refs: Any, limit: int | None = None) -> str:
    """Links to columns on their nodes' pages; past `limit`, the rest folded in <details>."""
    links = []
    for ref in refs:
        href = f"{page_name(ref.node)}#{anchor(ref.column)}"
        layer = site.nodes[ref.node].layer if ref.node in site.nodes else ""
        links.append(f'<a class="col-ref {esc(layer)}" href="{esc(href)}">{esc(ref.node.name)}'
                     f'.<b>{esc(ref.column)}</b></a>')
    if limit is not None and len(links) > limit:
        return (" ".join(links[:limit]) + f'<details><summary>{len(links) - limit} more'
                f'</summary>{" ".join(links[limit:])}</details>')
    return " ".join(links)


def _tests_table(site: Site, doc: NodeDoc) -> str:
    if not doc.tests:
        return '<h2>Tests</h2><p class="muted">No data tests.</p>'
    rows = []
    for t in doc.tests:
        status = t.status
        if t.failures and status not in ("pass", "not run yet"):
            status = f"{status} ({t.failures} failing rows)"
        rows.append(f'<tr><td><code>{esc(t.name)}</code></td><td>{esc(t.kind)}</td>'
                    f'<td>{esc(t.column or "")}</td><td>{esc(t.severity)}</td>'
                    f'<td><span class="status {STATUS_CLASS.get(t.status, "muted")}">'
                    f'{esc(status)}</span></td></tr>')
    when = (f"Last results from target/run_results.json ({esc(site.results_at)})."
            if site.results_at else "Not run yet: run <code>warehouse build</code>.")
    return (f'<h2>Tests</h2><p class="muted">{when}</p><div class="scroll"><table class="tests">'
            f'<thead><tr><th>test</th><th>kind</th><th>column</th><th>severity</th>'
            f'<th>last result</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
