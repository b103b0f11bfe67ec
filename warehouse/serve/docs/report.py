"""The reconciliation page: every check of the consistency report, to sort and filter.

The table is complete in the HTML (inconsistent checks first); site.js adds the
filters (status, kind, source, period, free text) and sorting by a column,
reading the `data-` attributes written here. Figure ids link to the figure's
row on the figures mart's page when that row is shown there, and an
acknowledged check shows the reason the acknowledgement gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from html import escape
from typing import Any

from warehouse.serve.docs.gather import Site
from warehouse.serve.docs.marts import SAMPLE_ROWS, STATUS_ORDER
from warehouse.serve.docs.pages import STATUS_CLASS, layout, page_name
from warehouse.serve.docs.tables import cell_text, row_anchor

SEVERITY_ORDER = {"error": 0, "warn": 1, "info": 2}
FILTERS = (("status", "status"), ("kind", "kind"), ("severity", "severity"),
           ("source", "source"), ("period", "period"))


def check_anchor(check_id: str) -> str:
    return "check-" + re.sub(r"[^A-Za-z0-9_.~:-]", "_", check_id)


def breakable(text: str) -> str:
    """Escaped, with a line break allowed only after a separator, never inside a token."""
    return re.sub(r"([:~,]|\.\.)", r"\1<wbr>", escape(text))


def report_page(site: Site, rows: Iterable[Mapping[str, Any]]) -> str:
    rows = list(rows)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = ", ".join(f"{n} {escape(s)}" for s, n in
                        sorted(counts.items(), key=lambda kv: STATUS_ORDER.get(kv[0], 3)))
    figure_links = _figure_links(site)
    values: dict[str, set[str]] = {key: set() for key, _ in FILTERS}
    body = []
    for r in rows:
        attrs = _attributes(r)
        for key, _ in FILTERS:
            values[key].update(v for v in attrs[key].split() if v)
        body.append(_row(r, attrs, figure_links))
    head = ('<th data-sort="number">status</th><th data-sort="text">check</th>'
            '<th data-sort="text">kind</th><th data-sort="number">severity</th>'
            '<th data-sort="text">period, flow</th><th>sources</th><th>figures</th>'
            '<th data-sort="number">gap</th><th data-sort="text" title="acknowledged">ack.</th>'
            '<th>explanation</th>')
    html = (f'<h1>Reconciliation report</h1><p>Every row of <a href="model.rpt_consistency_check'
            f'.html"><code>marts.rpt_consistency_check</code></a>: {summary}. Inconsistent '
            f'checks come first; sort by a column by its heading.</p>'
            f'{_filters(values)}<p id="report-count" class="muted">{len(rows)} checks</p>'
            f'<div class="scroll"><table class="report"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
    return layout(site, "Reconciliation report", html)


def _attributes(r: Mapping[str, Any]) -> dict[str, str]:
    sources = [s.strip() for s in str(r.get("source_ids") or "").split(",") if s.strip()]
    return {"status": str(r["status"]), "kind": str(r["check_kind"]),
            "severity": str(r["severity"]), "source": " ".join(sources),
            "period": str(r.get("period_id") or "")}


def _row(r: Mapping[str, Any], attrs: Mapping[str, str], figure_links: Mapping[str, str]) -> str:
    cls = STATUS_CLASS.get(r["status"], "muted")
    data = " ".join(f'data-{k}="{escape(v)}"' for k, v in attrs.items())
    period_start = r.get("period_start")
    period_key = period_start.isoformat() if isinstance(period_start, date) else ""
    acknowledged = r.get("is_acknowledged")
    reason = r.get("acknowledgement") or ""
    explanation = f"<p>{escape(str(r['explanation']))}</p>"
    if acknowledged and reason:
        explanation += f'<p class="ack"><b>Acknowledged:</b> {escape(str(reason))}</p>'
    gap_high = r.get("gap_high")
    gap_key = f"{gap_high:.6g}" if isinstance(gap_high, int | float) else "-1"
    cells = [
        f'<td data-label="status" data-value="{STATUS_ORDER.get(r["status"], 3)}">'
        f'<span class="status {cls}">{escape(r["status"])}</span></td>',
        f'<td data-label="check" class="check"><code>{breakable(str(r["check_id"]))}</code></td>',
        f'<td data-label="kind">{escape(r["check_kind"])}</td>',
        f'<td data-label="severity" data-value="{SEVERITY_ORDER.get(r["severity"], 3)}">'
        f'{escape(r["severity"])}</td>',
        f'<td data-label="period, flow" data-value="{period_key} {escape(attrs["period"])}">'
        f'{breakable(attrs["period"]) or "—"}<br><span class="muted">'
        f'{escape(str(r.get("flow") or ""))}</span></td>',
        f'<td data-label="sources">{", ".join(_short(s) for s in attrs["source"].split())}</td>',
        f'<td data-label="figures">{_figures(r.get("figure_ids"), figure_links)}</td>',
        f'<td data-label="gap" data-value="{gap_key}">{escape(str(r.get("gap") or "—"))}</td>',
        f'<td data-label="acknowledged">{_yes_no(acknowledged)}</td>',
        f'<td data-label="explanation" class="explanation">{explanation}</td>']
    return (f'<tr id="{escape(check_anchor(str(r["check_id"])))}" class="{cls}" {data}>'
            f'{"".join(cells)}</tr>')


def _short(source_id: str) -> str:
    """A source id shown by its number (000_abf4…: 000), the whole id in a tooltip."""
    short = source_id.split("_")[0] if re.match(r"^\d+_[0-9a-f]{8,}$", source_id) else source_id
    whole = escape(source_id)
    return f'<span class="tipped" data-tip="{whole}">{escape(short)}</span>'


def _figures(ids: Any, links: Mapping[str, str]) -> str:
    out = []
    for figure in (s.strip() for s in str(ids or "").split(",")):
        if figure:
            href = links.get(figure)
            out.append(f'<a href="{escape(href)}">{escape(figure)}</a>' if href
                       else escape(figure))
    return ", ".join(out) or "—"


def _figure_links(site: Site) -> dict[str, str]:
    """Figure id → its row on the figures mart's page (the rows that page shows)."""
    for node, sample in site.samples.items():
        if node.name == "fct_trade_figure" and sample.columns[:1] == ("figure_id",):
            page = page_name(node)
            return {cell_text(row[0]): f"{page}#{row_anchor(row[0])}"
                    for row in sample.rows[:SAMPLE_ROWS]}
    return {}


def _yes_no(value: Any) -> str:
    if value is None:
        return "—"
    return "yes" if value else "no"


def _filters(values: Mapping[str, set[str]]) -> str:
    selects = []
    for key, label in FILTERS:
        if not values[key]:
            continue
        options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>'
                          for v in sorted(values[key]))
        selects.append(f'<label>{label} <select data-filter="{key}" id="filter-{key}">'
                       f'<option value="">all</option>{options}</select></label>')
    return (f'<form id="report-filters" class="filters" role="search" onsubmit="return false">'
            f'{"".join(selects)}<label>text <input id="report-text" type="search" '
            f'placeholder="id, source, words"></label><button type="reset">Clear</button></form>')
