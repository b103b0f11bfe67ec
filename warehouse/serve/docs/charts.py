"""Charts as inline SVG strings: trade over time by flow, and commodities by direction.

Drawn in Python so the site needs no script and no network. Trade values of a
quarter and of a year are not comparable on one axis, so the trade chart has
one panel per kind of period (year, nine months, half, quarter), each with its
own scale; in each, reported figures are points with their intervals as error
bars (an arrow where the interval is open above) and the best estimate is a
line per flow. Every text drawn comes from the database and is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from html import escape
from typing import Any

FLOWS = {"total": ("#334155", "Total"), "vn_to_la": ("#2563eb", "Vietnam → Laos"),
         "la_to_vn": ("#ea580c", "Laos → Vietnam")}
KINDS = (("year", "Years"), ("nine_months", "First nine months"), ("half", "First half"),
         ("quarter", "First quarter"))
DIRECTIONS = {"vn_to_la": ("#2563eb", "Vietnam → Laos"), "la_to_vn": ("#ea580c", "Laos → Vietnam"),
              "unspecified": ("#94a3b8", "Direction not stated")}
FONT = 'font-family="system-ui, sans-serif"'


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2, 2.5 or 5 times a power of 10)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def period_kind(row: Mapping[str, Any], kinds: Mapping[str, str]) -> str:
    """The estimate's period kind for this period, else guessed from the period's length."""
    if row.get("period_id") in kinds:
        return kinds[row["period_id"]]
    start, end = row.get("period_start"), row.get("period_end")
    if not isinstance(start, date) or not isinstance(end, date):
        return "unspecified"
    days = (end - start).days + 1
    for kind, most in (("quarter", 95), ("half", 185), ("nine_months", 276), ("year", 367)):
        if days <= most:
            return kind
    return "multi_year"


def trade_chart(figures: Sequence[Mapping[str, Any]], estimates: Sequence[Mapping[str, Any]]
                ) -> str:
    """The faceted trade chart, or "" when there is nothing to draw. Rows whose period is
    not a date or whose value is not a number (another project's marts) are left out."""
    figures = [f for f in figures if _plottable(f, "value", "value_low", "value_high")]
    estimates = [e for e in estimates
                 if _plottable(e, "estimate_usd", "estimate_low_usd", "estimate_high_usd")]
    kinds = {e["period_id"]: e.get("period_kind") or period_kind(e, {}) for e in estimates}
    panels = []
    for kind, title in KINDS:
        figs = [f for f in figures if period_kind(f, kinds) == kind and f.get("value") is not None]
        ests = [e for e in estimates if kinds.get(e["period_id"]) == kind
                and e.get("estimate_usd") is not None]
        if figs or ests:
            panels.append((title, figs, ests))
    if not panels:
        return ""
    # one span of years for every panel, so panels line up and a year that one kind of
    # period lacks shows as a gap in that panel
    every = [r["period_start"].year for _, figs, ests in panels for r in (*figs, *ests)]
    span = (min(every), max(every))
    width, height = 460, 270
    parts = ['<div class="chart-panels" id="trade-chart" role="group" aria-label="Bilateral '
             'trade by flow: reported figures with their intervals, and the best estimate">']
    for title, figs, ests in panels:
        # a panel an SVG of its own, so panels sit side by side on a wide screen and one
        # under the other on a phone
        parts.append(f'<svg class="chart panel" xmlns="http://www.w3.org/2000/svg" '
                     f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                     f'role="img" aria-label="{escape(title)}" {FONT} font-size="12">'
                     f'{_trade_panel(title, figs, ests, width, height, span)}</svg>')
    parts.append(_trade_legend(width))
    parts.append("</div>")
    return "".join(parts)


def _trade_panel(title: str, figures: Sequence[Mapping[str, Any]],
                 estimates: Sequence[Mapping[str, Any]], width: int, height: int,
                 span: tuple[int, int]) -> str:
    left, right, top, bottom = 62, 14, 30, 34
    years = [r["period_start"].year for r in (*figures, *estimates)
             if isinstance(r.get("period_start"), date)]
    lo_year, hi_year = span
    highs = [v for f in figures for v in (f.get("value_high"), f.get("value")) if v is not None]
    highs += [v for e in estimates for v in (e.get("estimate_high_usd"), e["estimate_usd"])
              if v is not None]
    scale, unit = (1e9, "USD bn") if max(highs) >= 1e9 else (1e6, "USD M")
    ticks = nice_ticks(max(highs) / scale * 1.08)
    y_top = ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(year: float) -> float:
        span = hi_year - lo_year + 1
        return left + (year - lo_year + 0.5) / span * plot_w

    def py(value: float) -> float:
        return top + plot_h - value / scale / y_top * plot_h

    out = [f'<text x="{left}" y="18" font-weight="600" font-size="13">{escape(title)}</text>']
    for t in ticks:
        y = py(t * scale)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#e2e8f0"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                   f'fill="#475569">{_num(t)}</text>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#64748b"/>'
               f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
               f'stroke="#64748b"/>')
    for year in range(lo_year, hi_year + 1):
        out.append(f'<text x="{px(year):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                   f'fill="#475569">{year}</text>')
    out.append(f'<text transform="translate(14,{top + plot_h / 2:.0f}) rotate(-90)" '
               f'text-anchor="middle" fill="#475569">{unit}</text>')
    out.append(_missing_years(years, lo_year, hi_year, px, top, plot_h))
    slot = plot_w / (hi_year - lo_year + 1)
    flows = [flow for flow in FLOWS if any(r["flow"] == flow for r in (*figures, *estimates))]
    for fi, flow in enumerate(flows):
        color, label = FLOWS[flow]
        centre = (fi - (len(flows) - 1) / 2) * slot * 0.8 / len(flows)
        width = slot * 0.8 / len(flows)
        x_of = _spread(figures, estimates, flow, width)
        line = sorted((e["period_start"].year, e["estimate_usd"], e["period_id"])
                      for e in estimates if e["flow"] == flow)
        out.append(_estimate_line(line, {(("e", p), y): px(y) + centre + x_of[("e", p)]
                                          for y, _, p in line}, py, color))
        for e in (e for e in estimates if e["flow"] == flow):
            x, y = px(e["period_start"].year) + centre + x_of[("e", e["period_id"])], \
                py(e["estimate_usd"])
            tip = (f"Best estimate, {e['period_id']}, {label}: {_money(e['estimate_usd'])} "
                   f"({_money(e.get('estimate_low_usd'))}–{_money(e.get('estimate_high_usd'))})")
            out.append(f'<rect class="estimate" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" '
                       f'height="8" fill="#fff" stroke="{color}" stroke-width="2" '
                       f'data-tip="{escape(tip)}"/>')
        for f in (f for f in figures if f["flow"] == flow):
            x = px(f["period_start"].year) + centre + x_of[("f", f["figure_id"])]
            out.append(_figure_mark(f, x, py, top, color, label))
    return "".join(out)


def _spread(figures: Sequence[Mapping[str, Any]], estimates: Sequence[Mapping[str, Any]],
            flow: str, width: float) -> dict[tuple[str, Any], float]:
    """Offsets (px) that set side by side the marks of one flow in one year: the estimate
    first, then each reported figure, so figures of the same value never hide each other."""
    by_year: dict[int, list[tuple[str, Any]]] = {}
    for e in estimates:
        if e["flow"] == flow:
            by_year.setdefault(e["period_start"].year, []).append(("e", e["period_id"]))
    for f in figures:
        if f["flow"] == flow:
            by_year.setdefault(f["period_start"].year, []).append(("f", f["figure_id"]))
    out = {}
    for marks in by_year.values():
        step = min(10.0, width / max(len(marks), 1))
        for i, key in enumerate(marks):
            out[key] = (i - (len(marks) - 1) / 2) * step
    return out


def _estimate_line(line: Sequence[tuple[int, float, str]], x_at: Mapping[Any, float], py: Any,
                   color: str) -> str:
    """The estimate across periods: solid between neighbouring years, dotted across a year
    with no estimate, so a gap is never drawn as if it were known."""
    out = []
    for (y1, v1, p1), (y2, v2, p2) in zip(line, line[1:], strict=False):
        dash = ' stroke-dasharray="2 4"' if y2 - y1 > 1 else ""
        out.append(f'<line x1="{x_at[("e", p1), y1]:.1f}" y1="{py(v1):.1f}" '
                   f'x2="{x_at[("e", p2), y2]:.1f}" y2="{py(v2):.1f}" stroke="{color}" '
                   f'stroke-width="2" stroke-opacity="0.75"{dash}/>')
    return "".join(out)


def _missing_years(years: Sequence[int], lo: int, hi: int, px: Any, top: float,
                   plot_h: float) -> str:
    """A hatched band and a label over each year inside the range that no row is about."""
    have = set(years)
    out = []
    slot = px(lo + 1) - px(lo)
    for year in range(lo, hi + 1):
        if year in have:
            continue
        x = px(year) - slot / 2
        out.append(f'<g class="missing" data-tip="{year}: no report gives a figure for this '
                   f'kind of period"><rect x="{x + 2:.1f}" y="{top}" width="{slot - 4:.1f}" '
                   f'height="{plot_h}" fill="#f8fafc"/><text x="{px(year):.1f}" '
                   f'y="{top + plot_h - 6:.1f}" text-anchor="middle" fill="#94a3b8" '
                   f'font-size="10.5">no report</text></g>')
    return "".join(out)


def _figure_mark(f: Mapping[str, Any], x: float, py: Any, top: float, color: str,
                 label: str) -> str:
    value, low, high = f["value"], f.get("value_low"), f.get("value_high")
    y = py(value)
    y_low = py(low if low is not None else value)
    parts = []
    if high is None:  # open above: an arrow to the top of the panel
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_low:.1f}" y2="{top + 4:.1f}" '
                     f'stroke="{color}" stroke-dasharray="3 2"/>'
                     f'<path d="M{x - 4:.1f},{top + 9:.1f} L{x:.1f},{top + 2:.1f} '
                     f'L{x + 4:.1f},{top + 9:.1f}" fill="none" stroke="{color}"/>')
    else:
        y_high = py(high)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_low:.1f}" y2="{y_high:.1f}" '
                     f'stroke="{color}"/>')
        for yy in (y_low, y_high):
            parts.append(f'<line x1="{x - 3:.1f}" x2="{x + 3:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" '
                         f'stroke="{color}"/>')
    written = f.get("figure_as_written") or _money(value)
    tip = (f"{f['figure_id']} ({f['source_id']}), {f['period_id']}, {label}: {written}; "
           f"interval {_money(low)}–{_money(high) if high is not None else 'open'}")
    parts.append(f'<circle class="figure" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}" '
                 f'stroke="{color}" stroke-opacity="0" stroke-width="12" '  # a target for a finger
                 f'data-tip="{escape(tip)}"/>')
    return "".join(parts)


def _trade_legend(width: int) -> str:
    out = [f'<svg class="chart legend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
           f'64" width="{width}" height="64" role="img" aria-label="Legend" {FONT} '
           f'font-size="12"><g transform="translate(14,8)">']
    cx = 0
    for color, label in FLOWS.values():
        out.append(f'<rect x="{cx}" y="2" width="14" height="4" fill="{color}"/>'
                   f'<text x="{cx + 20}" y="8">{escape(label)}</text>')
        cx += 140
    out.append('<circle cx="4" cy="26" r="3.5" fill="#334155"/><line x1="4" x2="4" y1="18" '
               'y2="34" stroke="#334155"/><text x="14" y="30">reported figure, its interval'
               '</text><path d="M204,28 L208,22 L212,28" fill="none" stroke="#334155"/>'
               '<text x="220" y="30">open above</text><rect x="0" y="42" width="8" '
               'height="8" fill="#fff" stroke="#334155" stroke-width="2"/>'
               '<text x="14" y="50">best estimate (line: across periods, dotted over a gap)'
               '</text>')
    out.append("</g></svg>")
    return "".join(out)


def commodity_chart(rows: Iterable[Mapping[str, Any]]) -> str:
    """Horizontal stacked bars: commodities per HS section, split by direction of trade."""
    sections: dict[tuple[int, str], dict[str, Mapping[str, Any]]] = {}
    for r in rows:
        if _count(r.get("commodities")) is None or r.get("direction") not in DIRECTIONS:
            continue  # not something this chart can draw
        number = _count(r.get("section_number"))
        key = (number if number is not None else 10**6, str(r.get("section_name") or "Not mapped"))
        sections.setdefault(key, {})[r["direction"]] = r
    if not sections:
        return ""
    left, bar_w, top = 10, 620, 16
    most = max(sum(int(v["commodities"]) for v in d.values()) for d in sections.values())
    ticks = nice_ticks(most, count=min(most, 5) or 1)
    ticks = [t for t in ticks if float(t).is_integer()] or [0, 1]
    rows = []
    for (number, name), by_dir in sorted(sections.items()):
        prefix = f"{_roman(number)}. " if number < 10**6 else ""
        rows.append((_wrap(prefix + name, 88), by_dir))
    height = top + sum(14 * len(lines) + 22 for lines, _ in rows) + 64
    width = left + bar_w + 30
    out = [f'<svg class="chart" id="commodity-chart" xmlns="http://www.w3.org/2000/svg" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-labelledby="commodity-chart-title" {FONT} font-size="12">'
           '<title id="commodity-chart-title">Commodities named in the sources, by HS section '
           'and direction of trade</title>']

    def bx(n: float) -> float:
        return left + n / ticks[-1] * bar_w

    base = height - 64
    for t in ticks:
        out.append(f'<line x1="{bx(t):.1f}" x2="{bx(t):.1f}" y1="{top}" y2="{base}" '
                   f'stroke="#e2e8f0"/><text x="{bx(t):.1f}" y="{base + 16}" '
                   f'text-anchor="middle" fill="#475569">{int(t)}</text>')
    out.append(f'<text x="{left + bar_w / 2}" y="{base + 32}" text-anchor="middle" '
               f'fill="#475569">commodities (distinct)</text>')
    y = top
    for lines, by_dir in rows:
        # the section's whole name above its bar, wrapped, never cut
        spans = "".join(f'<tspan x="{left}" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        out.append(f'<text class="section" x="{left}" y="{y + 11}">{spans}</text>')
        y += 14 * len(lines)
        start = 0
        for direction, (color, label) in DIRECTIONS.items():
            r = by_dir.get(direction)
            if not r:
                continue
            n = int(r["commodities"])
            tip = f"{label}: {n} ({r.get('names') or ''})"
            out.append(f'<rect x="{bx(start):.1f}" y="{y + 2}" '
                       f'width="{bx(start + n) - bx(start):.1f}" height="14" fill="{color}" '
                       f'data-tip="{escape(tip)}"/>')
            start += n
        y += 22
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{base}" stroke="#64748b"/>')
    lx = 10
    for color, label in DIRECTIONS.values():
        out.append(f'<rect x="{lx}" y="{base + 44}" width="12" height="12" fill="{color}"/>'
                   f'<text x="{lx + 18}" y="{base + 54}">{escape(label)}</text>')
        lx += 150
    out.append("</svg>")
    return "".join(out)


def _wrap(text: str, width: int) -> list[str]:
    """Words into lines of at most `width` characters (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _plottable(row: Mapping[str, Any], *numbers: str) -> bool:
    """A row a chart can draw: a dated period, a known flow, and finite numbers (another
    project's marts may hold text, or `inf`, where ours hold amounts)."""
    return (isinstance(row.get("period_start"), date) and row.get("flow") in FLOWS
            and all(row.get(n) is None or _finite(row.get(n)) for n in numbers))


def _finite(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _count(value: Any) -> int | None:
    """A count to draw as a bar, or None when the value is not a whole number."""
    if isinstance(value, bool) or not _finite(value) or value < 0 or value != int(value):
        return None
    return int(value)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _num(v: float) -> str:
    return f"{v:g}"


def _money(v: float | None) -> str:
    if v is None:
        return "?"
    if abs(v) >= 1e9:
        return f"USD {v / 1e9:.4g} bn"
    return f"USD {v / 1e6:.4g} M"
