"""PostgreSQL connection strings: normalise them, and keep their passwords out of sight.

A URL given to `warehouse publish --postgres` may hold a password, and libpq
and ADBC echo the connection string in some of their errors. Everything that
prints a URL goes through `redact`, and every driver message goes through
`scrub` before it reaches a terminal, a log or an exception.

>>> redact("postgresql://ana:s3cret@db:5432/bi")
'postgresql://ana:***@db:5432/bi'
>>> scrub("could not connect with s3cret", "postgresql://ana:s3cret@db/bi")
'could not connect with ***'
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from warehouse.core.errors import UsageError

MASK = "***"
_SCHEMES = ("postgresql", "postgres")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)
_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.I)


def _split(url: str) -> tuple[str, str | None, str]:
    """(scheme, userinfo or None, the rest): userinfo ends at the last @ before any ?.

    Taking the *last* @ means a password with an unencoded @ or / is still
    recognised as a password, so it is masked rather than printed.
    """
    scheme, rest = url.split("://", 1)
    head = rest.split("?", 1)[0]
    at = head.rfind("@")
    if at < 0:
        return scheme, None, rest
    return scheme, rest[:at], rest[at + 1:]


def normalize(url: str) -> str:
    """A libpq URL: `postgresql+psycopg2://` (SQLAlchemy style) becomes `postgresql://`."""
    hint = "use postgresql://user:password@host:port/database"
    if "://" not in url:
        if "=" in url:  # libpq keyword form: host=... dbname=...
            return url
        raise UsageError(f"{redact(url)!r} is not a PostgreSQL URL", hint=hint)
    scheme, userinfo, _ = _split(url)
    if scheme.split("+", 1)[0].lower() not in _SCHEMES:
        raise UsageError(f"{redact(url)!r} is not a PostgreSQL URL (scheme {scheme!r})",
                         hint=hint)
    if userinfo is not None and any(ch in userinfo for ch in "@/#"):
        raise UsageError(
            f"the user or password in {redact(url)} holds a character a URL must encode",
            hint="percent-encode it: @ as %40, / as %2F, # as %23 "
                 "(urllib.parse.quote(password, safe='') does it)")
    return "postgresql://" + url.split("://", 1)[1]


def redact(url: str) -> str:
    """The URL with any password replaced by ***: safe to print."""
    if "://" not in url:
        return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, url)
    scheme, userinfo, rest = _split(url)
    shown = f"{scheme}://"
    if userinfo is not None:
        shown += (userinfo.split(":", 1)[0] + ":" + MASK if ":" in userinfo else userinfo) + "@"
    return shown + _QUERY_PASSWORD.sub(lambda m: m.group(1) + MASK, rest)


def passwords(url: str) -> list[str]:
    """Every form in which the URL's password(s) could be echoed back, longest first."""
    found: set[str] = set()
    if "://" in url:
        _, userinfo, rest = _split(url)
        if userinfo is not None and ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
        found.update(m.group(2) for m in _QUERY_PASSWORD.finditer(rest))
    else:
        found.update(m.group(2).strip("'") for m in _KEYWORD_PASSWORD.finditer(url))
    forms = {f for p in found for f in (p, unquote(p)) if f}
    return sorted(forms, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message) with the URL redacted and its password masked."""
    text = text.replace(url, redact(url))
    for secret in passwords(url):
        text = text.replace(secret, MASK)
    return text
