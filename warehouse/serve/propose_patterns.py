"""The numbers `warehouse propose` reads as trade facts, and the words just before them.

A report is full of numbers, and most are not figures: dates, ordinals (the
13th conference), durations (more than 60 years), lengths (2,300 km). Rather
than take every number and filter, a number is a candidate only when its unit
says what it is: a currency (USD, US$, US dollars; VND, kip and baht are
other currencies and never match), a percentage, a ratio (times, -fold,
doubled), a weight in tonnes, or a count of a thing trade reports count
(enterprises, delegations, containers...). Precision comes from that.

The qualifier is the word the report puts just before the number, kept as
written (lower case), because the seed records it as written: bounds (more
than, nearly, up to), and growth words (up, rose by, increase of), which also
give a growth rate its sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
RANGE = rf"(?P<low>{NUM})(?:\s*(?:-|–|—|to)\s*(?P<high>{NUM}))?"
START = r"(?<![\w.,$/])"  # a number of its own, not the tail of 2,300 or v=3 or US$3

MONEY_SCALES = {"billion": "usd_billion", "bn": "usd_billion", "bln": "usd_billion",
                "million": "usd_million", "mn": "usd_million", "mln": "usd_million",
                "m": "usd_million", "thousand": "usd_thousand", "k": "usd_thousand"}
SCALE = r"(?P<scale>billion|bn|bln|million|mn|mln|m|thousand|k)\b"
CURRENCY = r"(?:\bUS\s?\$|\bU\.S\.\s?\$|\bUSD(?![A-Za-z])|\bUS\s+dollars?\b|(?<![\w$])\$)"
SPELLED = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10}
RATIO_WORDS = {"doubl": "2", "tripl": "3", "quadrupl": "4", "halv": "0.5"}
COUNT_NOUNS = (
    "delegations|enterprises|companies|firms|businesses|investors|traders|exporters|"
    "importers|projects|contracts|agreements|deals|vehicles|trucks|lorries|containers|"
    "shipments|consignments|border gates|border crossings|checkpoints|border markets|"
    "provinces|localities|exhibitors|booths")
_LINK = r"(?!(?:of|from|in|at|to|for|with|and|by|per|than|the)\b)"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("money", re.compile(rf"{CURRENCY}\s?{RANGE}(?:\s*{SCALE})?", re.I)),
    ("money", re.compile(rf"{START}{RANGE}\s*(?:{SCALE}\s*)?"
                         r"(?:USD\b|US\s+dollars?\b|U\.S\.\s+dollars\b|dollars\b)", re.I)),
    ("points", re.compile(rf"{START}{RANGE}\s*(?:percentage\s+points?|pp|ppt)\b", re.I)),
    ("percent", re.compile(rf"{START}{RANGE}\s*(?:%|per\s?cent\b|pct\b)", re.I)),
    ("ratio", re.compile(rf"{START}{RANGE}\s*-?\s*(?:times|fold)\b", re.I)),
    ("ratio", re.compile(r"\b(?P<word>(?:two|three|four|five|six|seven|eight|nine|ten)"
                         r"(?:\s+times|[\s-]?fold))\b", re.I)),
    ("ratio", re.compile(r"\b(?P<word>(?:doubl|tripl|quadrupl)(?:ed|ing)|halv(?:ed|ing))\b",
                         re.I)),
    ("tonne", re.compile(rf"{START}{RANGE}\s*(?P<scale>million|thousand)?\s*(?:metric\s+)?"
                         r"(?:tonnes?|tons?)\b", re.I)),
    ("count", re.compile(rf"{START}(?P<low>{NUM})(?:\s+out\s+of\s+{NUM})?\s+"
                         rf"(?:{_LINK}[A-Za-z][\w'’-]*\s+){{0,2}}?(?P<noun>{COUNT_NOUNS})\b")),
]


@dataclass(frozen=True)
class Mention:
    """One candidate figure: where it is in the paragraph and what it is, as written."""

    start: int
    end: int
    kind: str  # money, percent, points, ratio, tonne, count
    low: str  # the digits as written (thousands separators dropped)
    high: str = ""  # the upper end of a range
    unit: str = ""
    hint: str = ""  # the ratio word (doubling) or the counted noun


def find_mentions(text: str) -> list[Mention]:
    """Every candidate figure of a paragraph, in order, none overlapping another.

    Patterns are tried in order of how specific their unit is: a span money
    took is not also a count or a percentage.
    """
    found: list[Mention] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            mention = _mention(kind, match)
            if mention and not any(m.start < mention.end and mention.start < m.end
                                   for m in found):
                found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _mention(kind: str, match: re.Match[str]) -> Mention | None:
    groups = match.groupdict()
    start, end = match.span()
    if groups.get("word"):
        word = groups["word"].lower()
        value = next((v for stem, v in RATIO_WORDS.items() if word.startswith(stem)), None)
        value = value or str(SPELLED[re.split(r"[\s-]", word)[0].removesuffix("fold")])
        return Mention(start, end, kind, value, unit="times", hint=word)
    low = groups["low"].replace(",", "")
    high = (groups.get("high") or "").replace(",", "")
    if kind == "money":
        unit = MONEY_SCALES.get((groups.get("scale") or "").lower(), "usd")
    elif kind == "tonne":
        scale = (groups.get("scale") or "").lower()
        unit = "tonne" if not scale else "thousand_tonne"
        if scale == "million":
            low, high = _times_thousand(low), _times_thousand(high)
    elif kind == "count":
        if re.fullmatch(r"(?:19|20)\d\d", low):
            return None  # a year before a noun (the 2026 fair), not a count
        return Mention(start, end, kind, low, unit="count", hint=groups["noun"].lower())
    else:
        unit = {"percent": "percent", "points": "percentage_points", "ratio": "times"}[kind]
    return Mention(start, end, kind, low, high, unit)


def _times_thousand(text: str) -> str:
    """Millions of tonnes as thousands, keeping the written digits' precision."""
    from decimal import Decimal

    return format(Decimal(text).scaleb(3), "f") if text else text


BOUNDS = (
    "more than", "over", "above", "exceeding", "exceeded", "exceeds", "exceed", "surpassing",
    "surpassed", "surpasses", "surpass", "top", "tops", "topping", "topped", "passing",
    "in excess of", "upwards of", "well over", "just over", "at least", "about", "around",
    "approximately", "roughly", "some", "nearly", "almost", "approaching", "close to", "nearing",
    "up to", "at most", "as much as", "as high as", "as many as", "less than", "fewer than",
    "under", "below", "just under", "estimated at")
UP = ("up", "up by", "rose", "rose by", "rising", "rising by", "risen by", "rise of",
      "increase of", "increased", "increased by", "increasing by", "grew", "grew by",
      "growing by", "growth of", "surged", "surged by", "surging by", "surge of", "jumped",
      "jumped by", "jump of", "soared", "soared by", "climbed", "climbed by", "gained",
      "gain of", "expanded by", "higher by", "edged up", "went up", "increasing", "growing")
DOWN = ("down", "down by", "fell", "fell by", "falling", "falling by", "fallen by", "fall of",
        "dropped", "dropped by", "drop of", "declined", "declined by", "decline of",
        "decreased", "decreased by", "decrease of", "plunged", "plunged by", "slumped",
        "slumped by", "shrank", "shrank by", "contracted by", "contraction of", "lower by",
        "reduction of", "slipped", "slipped by", "slid", "slid by", "dipped", "dipped by",
        "eased", "eased by", "edged down", "went down", "declining", "decreasing", "dropping")
_QUALIFIER = re.compile(
    r"(?:^|[^\w-])(?P<q>" + "|".join(sorted(map(re.escape, BOUNDS + UP + DOWN), key=len,
                                              reverse=True))
    + r")\s+(?:(?:the|a|an)\s+)?(?:(?:US|USD|US\$|\$)\s*)?$", re.I)
_AFTER = re.compile(r"\s*(?:year[- ]on[- ]year\s+|yoy\s+)?(?P<w>increase|rise|growth|gain|jump|"
                    r"higher|decline|drop|decrease|fall|contraction|reduction|lower)\b", re.I)


def qualifier_before(text: str, start: int) -> tuple[str, str]:
    """The qualifier written just before a number (lower case) and its direction:
    "up" or "down" for growth words, "" for bounds and for no qualifier."""
    window = max(0, start - 40)
    match = _QUALIFIER.search(text[window:start])
    if not match:
        return "", ""
    word = re.sub(r"\s+", " ", match["q"].lower())
    if word == "up" and re.search(r"\b(?:made|makes?|making|takes?|took|taking|ended|ends?)\s*$",
                                  text[max(0, start - 60):window + match.start("q")]):
        return "", ""  # made up 3% of: a share, not growth
    return word, "up" if word in UP else "down" if word in DOWN else ""


def direction_after(text: str, end: int) -> str:
    """A growth word right after a percentage (a 20% drop, 5% higher): its direction."""
    match = _AFTER.match(text, end)
    if not match:
        return ""
    return "down" if match["w"].lower() in (
        "decline", "drop", "decrease", "fall", "contraction", "reduction", "lower") else "up"


_DECLINE = re.compile(r"\b(?:fell|fall(?:s|ing)?|down|decreas\w*|declin\w*|dropp?\w*|"
                      r"plung\w*|slump\w*|shr[ai]nk\w*|contract(?:ed|ion)|lower|slipp?\w*|slid|"
                      r"dipp?\w*|eas(?:ed|ing)|retreat\w*)\b", re.I)
_GROWTH = re.compile(r"\b(?:up|rose|ris(?:e|es|ing)|increas\w*|gr[eo]w\w*|surg\w*|jump\w*|"
                     r"soar\w*|climb\w*|higher|year[- ]on[- ]year|y-o-y|yoy|compared)\b", re.I)


def direction_near(text: str, start: int) -> str:
    """The direction of the last growth or decline word in the few words before a number
    whose own qualifier says none (trade fell sharply, by 20%)."""
    window = text[max(0, start - 30):start]
    last: tuple[int, str] = (-1, "")
    for pattern, direction in ((_DECLINE, "down"), (_GROWTH, "up")):
        for match in pattern.finditer(window):
            last = max(last, (match.start(), direction))
    return last[1]


@dataclass(frozen=True)
class Cue:
    """A phrase that tells something about the figures near it: what `value` is depends on
    the list it is in (a flow, a reporter, trade or not)."""

    start: int
    end: int
    value: str


_VN = r"Viet\s?Nam|Vietnam"
_LA = r"Lao\s+PDR|Laos|Lao"


def _country(name: str) -> str:
    return rf"(?P<{name}>{_VN}|{_LA})(?:['’]s|['’]|ese|tian)?"


_WORD = r"(?:(?!(?:and|or|but|while|whereas|to|from|with)\b)[a-z-]+\s+)"
_OTHER_PLACE = r"(?P<z>(?!(?:Viet|Lao))[A-Z][\w-]+|the\s+world)"
FLOW_PATTERNS = [
    re.compile(rf"(?:{_country('x')}\s+{_WORD}{{0,2}}?)?(?P<verb>[Ee]xport(?:s|ed|ing)?|"
               rf"sold|shipped)\b(?:\s+(?:of\s+)?(?:[a-z-]+\s+){{0,3}}?to\s+(?:{_country('y')}|"
               rf"{_OTHER_PLACE}))?"),
    re.compile(rf"(?P<verb>[Ee]xport(?:s|ed)?)\s+(?:(?:of\s+)?(?:[a-z-]+\s+){{0,3}}?)?from\s+"
               rf"{_country('x')}(?:\s+to\s+{_country('y')})?"),
    re.compile(rf"(?:{_country('y')}\s+{_WORD}{{0,2}}?)?(?P<verb>[Ii]mport(?:s|ed|ing)?|"
               rf"bought|purchased)\b(?![–-])(?:[^;]{{0,60}}?\bfrom\s+(?:{_country('x')}|"
               rf"{_OTHER_PLACE}))?"),
]
TOTAL_FLOW = re.compile(r"\b(?:two[-–]way|bilateral|import[–-]export|turnover|trade)\b", re.I)
TRADE = re.compile(r"\b(?:trade|trading|turnover|exports?|exported|exporting|imports?|imported|"
                   r"importing|two[-–]way|shipments?|shipped|sales|sold|sells?|selling|bought|"
                   r"purchased)\b", re.I)
NOT_TRADE = re.compile(r"\b(?:invest\w*|capital|loans?|credit|aid|grants?|GDP|budget|tariffs?|"
                       r"tax\w*|dut(?:y|ies)|inflation|interest\s+rates?|population|tourists?|"
                       r"visitors?|visits|FDI|ODA|debts?|revenues?|costs?|costing|prices?|priced|"
                       r"projects?|funds?|funding|assistance|wages?|salar(?:y|ies)|income)\b", re.I)
# A count is a figure only in a sentence about trade or the two countries' relations.
RELATIONS = re.compile(r"\b(?:trade|trading|turnover|exports?|imports?|bilateral|cooperation|"
                       r"co-operation|relations|exchanges?|partnership)\b", re.I)
# A possessive or demonym of a third country just before "exports" (Thailand's, Chinese).
THIRD_COUNTRY = re.compile(r"\b(?!(?:Viet|Lao))[A-Z][a-z]+(?:['’]s|['’]|ese|ian|ish|i)\s+"
                           r"(?:[a-z-]+\s+){0,2}$")
REPORTERS = [
    (re.compile(rf"\b(?:{_LA})(?:['’]s|['’])?\s+(?:[Cc]ustoms|[Ss]tatistic(?:s|al)|data|figures|"
                r"Statistics\s+Bureau|Bureau\s+of\s+Statistics|Ministry\s+of\s+Industry\s+and\s+"
                r"(?:Commerce|Trade))|\bMinistry\s+of\s+Industry\s+and\s+Commerce\b"), "la"),
    (re.compile(rf"\b(?:{_VN})(?:['’]s|ese)?\s+(?:[Cc]ustoms|[Ss]tatistic(?:s|al)|data|figures|"
                r"General\s+Statistics\s+Office|General\s+Department\s+of\s+Customs|Ministry\s+of"
                rf"\s+Industry\s+and\s+Trade)|\bGeneral\s+Department\s+of\s+(?:{_VN})\s+Customs|"
                r"\bGeneral\s+(?:Statistics\s+Office|Department\s+of\s+Customs)\b|"
                r"\b(?:[Aa]ccording\s+to|data\s+from|figures\s+from|statistics\s+from|reported\s+"
                r"by)\s+[^.;]{0,40}?Ministry\s+of\s+Industry\s+and\s+Trade\b"), "vn"),
]
STATUS = [(re.compile(r"\b(?:expects?|expected|expecting|estimated?|estimates|projected|"
                      r"projections?|forecasts?|"
                      r"forecasted|anticipated|likely\s+to)\b", re.I), "estimate"),
          (re.compile(r"\b(?:preliminary|provisional)\b", re.I), "preliminary")]
TARGET = re.compile(r"\b(?:targets?|targeted|targeting|aims?|aimed|aiming|goals?|ambitions?|"
                    r"objectives?|striv(?:e|es|ing)|aspir(?:e|es|ation)|plans?\s+to|planned\s+to|"
                    r"seeks?\s+to|hopes?\s+to|committed\s+to)\b", re.I)
ACHIEVED = re.compile(r"\b(?:reached|hit|stood|amounted|totall?ed|recorded|registered|"
                      r"was\s+already)\b", re.I)
BORDER = re.compile(r"\bborder[\s-]gates?\b|\bborder\s+(?:crossings?|checkpoints?)\b", re.I)
AVERAGE_BEFORE = re.compile(r"\baverage[ds]?\b", re.I)
PER_YEAR_AFTER = re.compile(r"\s*(?:per|a|each)\s+year\b|\s*annually\b|\s*on\s+average\b", re.I)
BALANCE = re.compile(r"\b(?:surplus|deficit|trade\s+balance)\b", re.I)
SHARE_AFTER = re.compile(r"\s+of\s+(?!(?:growth|increase|decrease|decline)\b)", re.I)
SHARE_BEFORE = re.compile(r"\b(?:account(?:s|ed|ing)?\s+for|making\s+up|made\s+up|makes?\s+up|"
                          r"share\s+of|proportion\s+of)\s+(?:about\s+|around\s+|nearly\s+|"
                          r"almost\s+|over\s+|more\s+than\s+)?$", re.I)


def flow_cues(text: str) -> list[Cue]:
    """Phrases that name a direction of trade: vn_to_la, la_to_vn, total, or other (trade
    with a third place, whose figures are not about Viet Nam-Laos trade)."""
    cues = [Cue(*m.span(), "total") for m in TOTAL_FLOW.finditer(text)
            if not _named(text, m.start())]
    for pattern in FLOW_PATTERNS:
        for match in pattern.finditer(text):
            flow = _direction(match)
            if not match["x" if pattern is not FLOW_PATTERNS[2] else "y"] and \
                    THIRD_COUNTRY.search(text, max(0, match.start() - 40), match.start()):
                flow = "other"  # Thailand's exports to Laos
            if flow and not _named(text, match.start("verb")):
                cues = [c for c in cues if not (c.start < match.end() and match.start() < c.end)]
                cues.append(Cue(*match.span(), flow))
    return sorted(cues, key=lambda c: c.start)


def _direction(match: re.Match[str]) -> str:
    side = {name: _side(match.groupdict().get(name)) for name in ("x", "y")}
    exporter, importer = side["x"], side["y"]
    if match.groupdict().get("z"):
        return "other"
    if exporter and importer:
        return f"{exporter}_to_{importer}" if exporter != importer else ""
    if exporter:
        return f"{exporter}_to_{'la' if exporter == 'vn' else 'vn'}"
    if importer:
        return f"{'la' if importer == 'vn' else 'vn'}_to_{importer}"
    return ""


def _side(text: str | None) -> str:
    if not text:
        return ""
    return "la" if text.lower().startswith("lao") else "vn"


def _named(text: str, start: int) -> bool:
    """A capitalized cue word inside a sentence is part of a name (the Import-Export
    Department, the Ministry of Industry and Trade), not the thing itself."""
    before = text[:start].rstrip(" \t\"“‘(")
    return text[start:start + 1].isupper() and bool(before) and before[-1] not in ".!?:-–—|"


def cues(pattern: re.Pattern[str], text: str, value: str = "") -> list[Cue]:
    return [Cue(*m.span(), value or m.group().lower()) for m in pattern.finditer(text)]


def topic_cues(text: str) -> list[Cue]:
    """Trade words (value "trade") and words of other matters (investment, tariffs, tourism:
    value "other"), so a number takes the matter written nearest before it."""
    trade = [Cue(*m.span(), "trade") for m in TRADE.finditer(text) if not _named(text, m.start())]
    return sorted(trade + cues(NOT_TRADE, text, "other"), key=lambda c: c.start)
