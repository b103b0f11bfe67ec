"""`warehouse propose FILE.txt --source-id ID`: draft rows of seeds/reported_figures.csv.

Adding a report used to mean typing one seed row per figure; this reads the
report's text and proposes the rows, so the analyst checks rows instead of
typing them. It is a proposal, not an extraction to trust: every row says
where its number is (`note`: paragraph P, characters A-B, counted from 1 in
that line of the file) so it can be checked against the text.

Paragraphs follow the seed's rule: paragraph n is the n-th line of the file
that is not empty after stripping whitespace (no-break spaces included).
Each number with a trade unit (propose_patterns) gets its fields from the
words around it: the qualifier just before it; the period written next to
it, else earlier in its sentence, else earlier in its paragraph (periods,
propose_periods); the flow and the matter (trade or not) named nearest
before it in its sentence, else after it, else earlier in the paragraph. A
figure a report repeats (the headline and the body) is proposed once, the
other paragraphs listed in `other_paragraphs`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from warehouse.serve import propose_patterns as pat
from warehouse.serve.propose_patterns import Cue, Mention
from warehouse.serve.propose_periods import Period, find_periods, in_year
from warehouse.serve.propose_text import paragraphs, sentences

COLUMNS = ("figure_id", "source_id", "paragraph", "value", "unit", "qualifier", "period_start",
           "period_end", "flow", "measure", "subject", "reporter", "status", "base_period_start",
           "base_period_end", "commodity_hs", "gate_id", "claim", "other_paragraphs", "note")
Span = tuple[date | None, date | None]
NO_SPAN: Span = (None, None)
CLAUSE_BREAK = re.compile(r"[;:]|—|\s–\s|,\s*(?:while|whereas|but|and|as)\b", re.I)

@dataclass
class Document:
    """What a paragraph inherits from the ones before it: the last period, year and
    reporter named, and the paragraphs that named them (for the note of a carried value)."""

    last_period: Span | None = None
    last_year: int | None = None
    period_from: int = 0
    last_reporter: str = ""
    reporter_from: int = 0


def propose(text: str, source_id: str) -> tuple[list[dict[str, str]], int]:
    """The proposed seed rows of a report's text, and how many paragraphs it has."""
    document = Document()
    rows: list[dict[str, Any]] = []
    numbered = paragraphs(text)
    for number, line in numbered:
        reading = Paragraph(line, document)
        rows.extend(reading.row(source_id, number, m) for m in reading.mentions)
        reading.update(document, number)
    kept = merge_repeats([row for row in rows if row])
    for row in kept:
        del row["_start"]
    return kept, len(numbered)


class Paragraph:
    """One paragraph read once: its numbers, periods, sentences and cue phrases."""

    def __init__(self, text: str, document: Document) -> None:
        self.text = text
        self.document = document
        self.mentions = pat.find_mentions(text)
        self.sentences = sentences(text)
        self.flows = pat.flow_cues(text)
        self.topics = pat.topic_cues(text)
        self.reporters = sorted((c for p, v in pat.REPORTERS for c in pat.cues(p, text, v)),
                                key=lambda c: c.start)
        self.periods = [self._as_base(p) for p in find_periods(text, document.last_year)]

    def _as_base(self, period: Period) -> Period:
        """A period after "compared with", "than"... is a base; after "from", "over" or "on"
        only when a figure came before it in its sentence: "up 10% from 2023" is against
        2023, but in "looking back from 2024, when trade hit..." 2024 is the figure's own."""
        start, _ = self.sentence(period.start)
        figure_before = any(start <= m.start < period.start for m in self.mentions)
        return replace(period, base=period.cue == "strong" or (period.cue == "weak"
                                                               and figure_before))

    def sentence(self, pos: int) -> tuple[int, int]:
        return next((s for s in self.sentences if s[0] <= pos < s[1]), (0, len(self.text)))

    def update(self, document: Document, number: int) -> None:
        dated = [p for p in self.periods if p.kind == "dated" and not p.base]
        if dated:
            document.last_period = (dated[-1].first, dated[-1].last)
            document.period_from = number
        if self.reporters:
            document.last_reporter, document.reporter_from = self.reporters[-1].value, number
        years = re.findall(r"\b(?:19|20)\d\d\b", self.text)
        document.last_year = int(years[-1]) if years else document.last_year

    def row(self, source_id: str, number: int, m: Mention) -> dict[str, Any]:
        """The seed row a number proposes, or {} when it is not a Viet Nam-Laos trade fact."""
        flow = self.nearest(self.flows, m) or "total"
        start, end = self.sentence(m.start)
        if m.kind == "count" and not pat.RELATIONS.search(self.text, start, end):
            return {}  # 18 provinces, said of a country, is not a fact of its relations
        if flow == "other" or (m.kind != "count" and self.nearest(self.topics, m) != "trade"):
            return {}
        target = self.is_target(m)
        qualifier, direction = pat.qualifier_before(self.text, m.start)
        measure = self.measure(m, direction, target)
        if measure in ("growth_yoy_pct", "change_value") and not direction:
            direction = (pat.direction_after(self.text, m.end)
                         or pat.direction_near(self.text, m.start))
        own = self.own_period(m, target)
        carried = self.carried(m, own, target)
        if "period" in carried:
            own = self.document.last_period or NO_SPAN
        base, prior = self.base_period(m, measure, own)
        if measure == "ratio":
            measure = "ratio_to_prior_period" if prior else "ratio_to_base_period"
        return {
            "figure_id": "", "source_id": source_id, "paragraph": str(number),
            "value": _value(m, direction if measure in ("growth_yoy_pct", "change_value")
                            else ""),
            "unit": m.unit, "qualifier": qualifier or (m.hint if m.kind == "ratio" else ""),
            "period_start": _iso(own[0]), "period_end": _iso(own[1]), "flow": flow,
            "measure": measure, "subject": self.subject(m, start),
            "reporter": self.reporter(m) or carried.get("reporter", ("", 0))[0],
            "status": "target" if target else self.status(m), "base_period_start": _iso(base[0]),
            "base_period_end": _iso(base[1]), "commodity_hs": "", "gate_id": "", "claim": "",
            "other_paragraphs": "", "_start": m.start,
            "note": _note(number, m) + "".join(f"; {field} carried over from paragraph {n}"
                                               for field, (_, n) in carried.items())}

    def carried(self, m: Mention, own: Span, target: bool) -> dict[str, tuple[str, int]]:
        """What a figure takes from earlier paragraphs when its own names none: the last
        period (not for a target or a count: they have none unless written) and the last
        reporter. Said in the note: news reports name them once, and the analyst confirms."""
        doc, found = self.document, {}
        if own == NO_SPAN and not target and m.kind != "count" and doc.last_period \
                and doc.last_period[0]:
            found["period"] = ("", doc.period_from)
        if not self.reporter(m) and doc.last_reporter:
            found["reporter"] = (doc.last_reporter, doc.reporter_from)
        return found

    def nearest(self, found: list[Cue], m: Mention) -> str:
        """The cue nearest before the number in its sentence, else the first after it in
        its sentence, else the last one earlier in the paragraph."""
        start, end = self.sentence(m.start)
        before = [c for c in found if start <= c.start < m.start]
        after = [c for c in found if m.start <= c.start < end]
        earlier = [c for c in found if c.start < start]
        pick = before[-1:] or after[:1] or earlier[-1:]
        return pick[0].value if pick else ""

    def is_target(self, m: Mention) -> bool:
        """A target word before the number in its sentence, with no word of an achieved
        value (reached, stood at) between them: "aim to raise trade to USD 5 billion"."""
        start, _ = self.sentence(m.start)
        words = [c for c in pat.cues(pat.TARGET, self.text) if start <= c.start < m.start]
        return m.kind in ("money", "percent") and bool(words) and \
            not pat.ACHIEVED.search(self.text, words[-1].end, m.start)

    def measure(self, m: Mention, direction: str, target: bool) -> str:
        start, _ = self.sentence(m.start)
        if m.kind in ("count", "ratio"):
            return m.kind
        if m.kind == "tonne":
            return "volume"
        if m.kind == "points":
            return "change_value"
        if m.kind == "percent":
            if not direction and (pat.SHARE_AFTER.match(self.text, m.end)
                                  or pat.SHARE_BEFORE.search(self.text[start:m.start])):
                return "share_pct"
            return "growth_yoy_pct"
        if target:
            return "target_value"
        if direction:
            return "change_value"
        if pat.BALANCE.search(self.text, max(start, m.start - 40), m.start):
            return "trade_balance"
        if pat.AVERAGE_BEFORE.search(self.text, start, m.start) or \
                pat.PER_YEAR_AFTER.match(self.text, m.end):
            return "avg_annual_trade_value"
        return "trade_value"

    def subject(self, m: Mention, start: int) -> str:
        if m.kind == "count":
            return m.hint.replace(" ", "_")
        return "border_gate_trade" if pat.BORDER.search(self.text, start, m.start) else \
            "bilateral_trade"

    def clause(self, pos: int) -> tuple[int, int]:
        """[start, end) of the clause around a position: its sentence cut at semicolons,
        dashes and ", while"-like joints."""
        start, end = self.sentence(pos)
        joints = [j.span() for j in CLAUSE_BREAK.finditer(self.text, start, end)]
        return (max([b for a, b in joints if b <= pos], default=start),
                min([a for a, b in joints if a >= pos], default=end))

    def reporter(self, m: Mention) -> str:
        """Whose statistics: the source named last before the number in its paragraph,
        else one named later in its clause (trade reached..., Lao customs said)."""
        _, end = self.clause(m.start)
        before = [c for c in self.reporters if c.start < m.start]
        after = [c for c in self.reporters if m.start <= c.start < end]
        return (before[-1:] or after[:1] or [Cue(0, 0, "")])[0].value

    def status(self, m: Mention) -> str:
        start, end = self.clause(m.start)
        for pattern, value in pat.STATUS:
            if pattern.search(self.text, start, end):
                return value
        return "final"

    def own_period(self, m: Mention, target: bool) -> Span:
        """The period written right after the number (in 2024), else before it in its
        sentence, else later in its clause (fell 5% to USD 1 billion in 2023), else earlier
        in the paragraph; a target takes only its sentence's."""
        start, end = self.sentence(m.start)
        near = self._after(m, end) or self._before(m, start) or self._later_in_clause(m)
        context = self._last_dated(m.start)
        if near is None:
            if target or context:
                return NO_SPAN if target else context
            refers_back = any(p.kind in ("anaphor", "same") for p in self.periods
                              if start <= p.start < end)  # during the period
            return (self.document.last_period or NO_SPAN) if refers_back else NO_SPAN
        if near.kind == "dated":
            return near.first, near.last
        context = context or self.document.last_period
        if near.kind == "none" or context is None or context[0] is None:
            return NO_SPAN
        if near.kind == "same":
            return in_year(context, near.year or context[0].year - 1)
        return context

    def _later_in_clause(self, m: Mention) -> Period | None:
        _, end = self.clause(m.end)
        later = [p for p in self.periods if m.end <= p.start < end and not p.base
                 and p.kind in ("dated", "none")]
        return later[0] if later else None

    def _after(self, m: Mention, end: int) -> Period | None:
        for p in self.periods:
            if p.start < m.end or p.start >= end or p.kind == "prior":
                continue
            gap = self.text[m.end:p.start]
            between = any(m.end <= o.start < p.start for o in self.mentions)
            if p.base or between or len(gap) > 60 or CLAUSE_BREAK.search(gap):
                return None
            return p
        return None

    def _before(self, m: Mention, start: int) -> Period | None:
        for p in reversed(self.periods):
            if p.end > m.start or p.start < start or p.base or p.kind == "prior":
                continue
            between = any(p.end <= o.start < m.start for o in self.mentions)
            if p.kind == "same" and (between or CLAUSE_BREAK.search(self.text, p.end, m.start)):
                continue  # "the same period last year" belongs to the figure it follows
            return p
        return None

    def _last_dated(self, pos: int) -> Span | None:
        dated = [p for p in self.periods if p.kind == "dated" and not p.base and p.end <= pos]
        return (dated[-1].first, dated[-1].last) if dated else None

    def base_period(self, m: Mention, measure: str, own: Span) -> tuple[Span, bool]:
        """The period a growth rate, change or ratio is against, and whether it is "the
        preceding period" (a ratio to a period the report does not date)."""
        start, end = self.sentence(m.start)
        later = [p for p in self.periods if m.end <= p.start < end and p.base and
                 not any(m.end <= o.start < p.start for o in self.mentions)]
        if later:
            p = later[0]
            if p.kind == "prior":
                return NO_SPAN, True
            if p.kind == "dated":
                return (p.first, p.last), False
            if own[0] is not None:
                return in_year(own, p.year or own[0].year - 1), False
        if measure in ("growth_yoy_pct", "change_value") and own[0] and own[1] and \
                own[0].year == own[1].year:
            return in_year(own, own[0].year - 1), False
        if measure == "ratio" and own[0]:  # from X in 2015 to Y in 2024, doubling
            dated = [p for p in self.periods if start <= p.start < m.start and p.kind == "dated"
                     and not p.base and p.first and p.first < own[0]]
            return ((dated[0].first, dated[0].last) if dated else NO_SPAN), False
        return NO_SPAN, False


def _value(m: Mention, direction: str) -> str:
    sign = "-" if direction == "down" else ""
    if m.high:
        return f"{sign}{m.low} to {sign}{m.high}" if sign else f"{m.low}-{m.high}"
    return f"{sign}{m.low}"


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _note(number: int, m: Mention) -> str:
    note = f"paragraph {number}, characters {m.start + 1}-{m.end}"
    if m.kind == "ratio" and m.hint:
        note += f"; the word {m.hint} read as {m.low} times"
    return note


def merge_repeats(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per figure: a repeat (same value, unit, measure, flow, subject and status, and
    the same period or none stated) adds its paragraph to `other_paragraphs`. The row kept
    is the first that names the period, so a headline without one defers to the body."""
    kept: list[dict[str, Any]] = []
    for row in rows:
        twin = next((k for k in kept if _same_figure(k, row)), None)
        if twin is None:
            kept.append(row)
            continue
        if not _dated(twin) and _dated(row):
            kept[kept.index(twin)] = row
            row, twin = twin, row
        others = {*twin["other_paragraphs"].split(","), *row["other_paragraphs"].split(","),
                  row["paragraph"]} - {"", twin["paragraph"]}
        twin["other_paragraphs"] = ",".join(sorted(others, key=int))
    return sorted(kept, key=lambda r: (int(r["paragraph"]), r["_start"]))


def _same_figure(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("value", "unit", "measure", "flow", "subject", "status")
    if any(a[k] != b[k] for k in keys):
        return False
    periods = (a["period_start"], a["period_end"]), (b["period_start"], b["period_end"])
    return periods[0] == periods[1] or not _dated(a) or not _dated(b)


def _dated(row: dict[str, Any]) -> bool:
    return bool(row["period_start"] or row["period_end"])


def to_csv(rows: list[dict[str, str]]) -> str:
    """The rows in the seed's column order, as the seed file writes them."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_table(rows: list[dict[str, str]]) -> str:
    """Aligned columns for reading on a terminal; columns empty in every row are left out."""
    shown = [c for c in COLUMNS if any(row[c] for row in rows)] or ["source_id"]
    widths = {c: max([len(c), *(len(row[c]) for row in rows)]) for c in shown}
    lines = ["  ".join(c.ljust(widths[c]) for c in shown).rstrip()]
    lines += ["  ".join(row[c].ljust(widths[c]) for c in shown).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def command(project: object, args: Any) -> int:
    """The CLI's `propose`: needs no project and no built warehouse, only the text file."""
    from pathlib import Path

    from warehouse.core.errors import UsageError
    from warehouse.core.textfile import read_text

    source_id = args.source_id.strip()
    if not source_id or re.search(r'[\s,"]', source_id):
        raise UsageError(f"--source-id {args.source_id!r} is not a source id",
                         hint="give the file stem used in seeds/sources.csv, e.g. "
                              "005_0123456789abcdef")
    path = Path(args.file)
    rows, count = propose(read_text(path, str(path)), source_id)
    sys.stdout.write(to_csv(rows) if args.format == "csv" else to_table(rows))
    sys.stdout.flush()
    print(f"proposed {len(rows)} rows from {count} paragraphs of {path}; check each against "
          f"the text before adding it to seeds/reported_figures.csv", file=sys.stderr)
    return 0
