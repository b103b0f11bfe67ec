"""The periods a report names, for `warehouse propose`: what each figure is about, and against.

Reports name periods in many ways (2024, the first nine months of 2025,
January-September 2025, Q1 2021, the first half of 2025, from 2022 to
September 2025, since 2022) and also refer back (the same period last year,
during this period) or decline to name one (in the coming years). Each is
found with its position, so a figure can take the period written nearest to
it. A period after "compared with", "than" or "against" is the base a growth
rate or ratio is measured from, not the figure's own period.

Dates (March 3, 2023; 21st June 2024) are not periods: they are found
first and any period inside one is dropped.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date

YEAR = r"(?:19|20)\d\d"
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")
MONTH = (r"(?-i:(?:January|February|March|April|May|June|July|August|September|October|"
         r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)")
WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve")
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4, "last": 4, "final": 4}

# The periods a span ("from A to B") or "since A" is made of, tried in this order.
SIMPLE = {
    "months": rf"(?:the\s+)?(?:first\s+)?(?P<n>{'|'.join(WORDS)}|\d{{1,2}})\s+months\s+"
              rf"(?:of|in)\s+(?:the\s+year\s+)?(?P<y>{YEAR})",
    "quarter": rf"(?:the\s+)?(?P<q>{'|'.join(ORDINALS)})\s+quarter\s+(?:of\s+)?(?P<y>{YEAR})",
    "half": rf"(?:the\s+)?(?P<h>first|second|1st|2nd)\s+half\s+(?:of\s+)?(?P<y>{YEAR})",
    "qh": rf"\b(?P<qh>(?-i:[QH])[1-4])\s*[/-]?\s*(?P<y>{YEAR})\b",
    "yqh": rf"\b(?P<y>{YEAR})\s*[/-]?\s*(?P<qh>(?-i:[QH])[1-4])\b",
    "nm": rf"\b(?P<n>\d{{1,2}})(?-i:M)\s*[/-]?\s*(?P<y>{YEAR})\b",
    "monthrange": rf"(?:(?:from|between)\s+)?(?P<m1>{MONTH})\s*(?:-|–|—|to|through|until|and)"
                  rf"\s*(?P<m2>{MONTH}),?\s+(?P<y>{YEAR})",
    "month": rf"(?P<m1>{MONTH}),?\s+(?P<y>{YEAR})",
    "year": rf"(?:the\s+)?(?:(?:full|whole)[\s-]year\s+(?:of\s+)?)?\b(?P<y>{YEAR})\b(?![-–/]\d)",
}
_PLAIN = "|".join(re.sub(r"\(\?P<\w+>", "(?:", p) for p in SIMPLE.values())
_SIMPLE = {kind: re.compile(p, re.I) for kind, p in SIMPLE.items()}
OTHER = [
    ("span", re.compile(rf"\b(?:from|between)\s+(?P<a>{_PLAIN})\s+(?:to|and|until|through|till)"
                        rf"\s+(?P<b>{_PLAIN})", re.I)),
    ("span", re.compile(rf"\b(?P<a>{YEAR})\s*(?:-|–|—)\s*(?P<b>{YEAR}|\d\d)\b")),
    ("since", re.compile(rf"\bsince\s+(?:the\s+(?:beginning|start)\s+of\s+)?(?P<a>{_PLAIN})",
                         re.I)),
    ("same", re.compile(r"\b(?:the\s+)?same\s+period\b(?:\s*(?:(?:of|in)\s+)?(?:(?P<last>last\s+"
                        r"year|the\s+(?:previous|prior)\s+year|a\s+year\s+(?:earlier|ago|before))"
                        rf"|(?P<y>{YEAR})))?", re.I)),
    ("prior", re.compile(r"\b(?:the\s+)?(?:preceding|previous|prior)\s+(?:period|years?|term|"
                         r"phase)\b", re.I)),
    ("none", re.compile(r"\b(?:the\s+)?(?:coming|next|following|upcoming)\s+(?:few\s+|several\s+|"
                        r"\w+\s+)?(?:years?|period|time|decades?)\b|\b(?:the\s+)?near\s+future\b|"
                        r"\bthe\s+future\b|\b(?:the\s+)?(?:long|medium)\s+term\b", re.I)),
    ("anaphor", re.compile(r"\b(?:during|in|over|for|within)\s+(?:the|this|that)\s+period\b",
                           re.I)),
]
DATES = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH},?\s+{YEAR}|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:\s*[-–]\s*\d{{1,2}})?,?\s+{YEAR}|\b{YEAR}-\d\d-\d\d\b|\b\d{{1,2}}/\d{{1,2}}/{YEAR}\b")
STRONG_BASE = re.compile(r"(?:compared\s+(?:with|to)|against|than|versus|vs\.?|relative\s+to|"
                         r"as\s+against)\s+(?:(?:that|those|the\s+levels?|levels?)\s+(?:of|in)\s+)?"
                         r"(?:in\s+|during\s+|of\s+|for\s+)?$", re.I)
WEAK_BASE = re.compile(r"\b(?:from|over|on)\s+(?:in\s+)?$", re.I)


@dataclass(frozen=True)
class Period:
    """A period phrase at [start, end) of a paragraph. `kind` is dated (first and last
    known; last None when open-ended, as "since 2022"), same (the same period, in `year`
    or a year before), prior (the preceding period), none (the coming years) or anaphor
    (this period). `cue` is strong or weak when a base-period word precedes it."""

    start: int
    end: int
    kind: str
    first: date | None = None
    last: date | None = None
    year: int | None = None
    cue: str = ""
    base: bool = False


def find_periods(text: str, default_year: int | None = None) -> list[Period]:
    """Every period phrase of a paragraph, in order, none overlapping another or a date;
    `default_year` gives a bare "H1" or "Q1" its year when the paragraph names none."""
    dates = [m.span() for m in DATES.finditer(text)]
    found: list[Period] = []
    for kind, pattern in [*OTHER, *_SIMPLE.items()]:
        for match in pattern.finditer(text):
            period = _resolve(kind, match)
            if period and not any(a < period.end and period.start < b for a, b in dates) and \
                    not any(p.start < period.end and period.start < p.end for p in found):
                found.append(_with_cue(text, period))
    for match in re.finditer(r"\b(?-i:[QH])[1-4]\b", text):  # bare H1, Q1: the year in force
        year = ([int(y) for y in re.findall(YEAR, text[:match.start()])] or [default_year])[-1]
        if year and not any(p.start < match.end() and match.start() < p.end for p in found):
            first, last = _part(match.group(), year)
            found.append(_with_cue(text, Period(*match.span(), "dated", first, last)))
    return sorted(found, key=lambda p: p.start)


def _resolve(kind: str, match: re.Match[str]) -> Period | None:
    start, end = match.span()
    if kind in ("prior", "none", "anaphor"):
        return Period(start, end, kind)
    if kind == "same":
        if match["last"]:
            return Period(start, end, "same")
        year = int(match["y"]) if match["y"] else None
        return Period(start, end, "same", year=year) if year else Period(start, end, "anaphor")
    if kind in ("span", "since"):
        first = simple_period(match["a"])
        if first is None:
            return None
        if kind == "since":
            return Period(start, end, "dated", first[0], None)
        b = match["b"]
        if re.fullmatch(r"\d\d", b):
            b = str(first[0].year)[:2] + b
        last = simple_period(b)
        return Period(start, end, "dated", first[0], last[1]) if last else None
    span = _simple(kind, match)
    return Period(start, end, "dated", *span) if span else None


def simple_period(text: str) -> tuple[date, date] | None:
    """First and last day of one plain period phrase (2024, the first half of 2025...)."""
    for kind, pattern in _SIMPLE.items():
        match = pattern.fullmatch(text.strip())
        if match:
            return _simple(kind, match)
    return None


def _simple(kind: str, match: re.Match[str]) -> tuple[date, date] | None:
    year = int(match["y"])
    if kind in ("months", "nm"):
        n = match["n"].lower()
        months = WORDS.index(n) + 1 if n in WORDS else int(n)
        return (date(year, 1, 1), month_end(year, months)) if 1 <= months <= 12 else None
    if kind == "quarter":
        return _part(f"Q{ORDINALS[match['q'].lower()]}", year)
    if kind == "half":
        return _part(f"H{1 if match['h'].lower() in ('first', '1st') else 2}", year)
    if kind in ("qh", "yqh"):
        return _part(match["qh"], year)
    if kind in ("monthrange", "month"):
        first = _month(match["m1"])
        last = _month(match["m2"]) if kind == "monthrange" else first
        return (date(year, first, 1), month_end(year, last)) if first <= last else None
    return date(year, 1, 1), date(year, 12, 31)


def _part(name: str, year: int) -> tuple[date, date]:
    """Q1..Q4, H1, H2 of a year as first and last day."""
    size = 3 if name[0] in "Qq" else 6
    n = int(name[1])
    if size == 6 and n > 2:
        n = 2
    return date(year, (n - 1) * size + 1, 1), month_end(year, n * size)


def _month(text: str) -> int:
    head = text.lower().rstrip(".")[:3]
    return next(i for i, name in enumerate(MONTH_NAMES, 1) if name.startswith(head))


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _with_cue(text: str, period: Period) -> Period:
    before = text[max(0, period.start - 50):period.start]
    cue = "strong" if STRONG_BASE.search(before) else "weak" if WEAK_BASE.search(before) else ""
    return replace(period, cue=cue)


def in_year(span: tuple[date, date | None], year: int) -> tuple[date, date | None]:
    """The same months in another year (the same period in 2024), a multi-year span moved
    as a whole; an open end stays open."""
    first, last = span
    shift = year - first.year
    new_last = month_end(last.year + shift, last.month) if last else None
    return date(year, first.month, 1) if first.day == 1 else _same_day(first, year), new_last


def _same_day(day: date, year: int) -> date:
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))
