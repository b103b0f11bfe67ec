"""How `warehouse propose` cuts a report's text: into the seed's paragraphs, and each
paragraph into sentences (the span a number's period, flow and reporter are looked for in)."""

from __future__ import annotations

import re

_STOP = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "no", "jan", "feb", "mar", "apr", "jun", "jul",
                  "aug", "sep", "sept", "oct", "nov", "dec", "vs", "etc", "inc", "ltd", "co",
                  "corp", "approx", "est", "e.g", "i.e"}


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(number, line) of each paragraph: lines not empty once whitespace, no-break spaces
    included, is stripped, numbered from 1 (the title line is paragraph 1)."""
    lines = re.split(r"\r\n|\r|\n", text)
    kept = [line for line in lines if line.strip()]
    return list(enumerate(kept, 1))


def sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence: a stop before a capital, unless the word before it is
    an abbreviation or an initial (Mr., H.E., U.S.)."""
    bounds = [0]
    for match in _STOP.finditer(text):
        word = re.search(r"([\w.]+?)[.!?]*$", text[:match.start() + 1])
        head = word.group(1).lower().rstrip(".") if word else ""
        if head in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", head):
            continue
        bounds.append(match.end())
    bounds.append(len(text))
    return list(zip(bounds, bounds[1:], strict=False))
