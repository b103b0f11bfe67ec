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
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from warehouse.errors import UsageError

MASK = "***"
_SCHEMES = ("postgresql", "postgres")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)


def normalize(url: str) -> str:
    """A libpq URL: `postgresql+psycopg2://` (SQLAlchemy style) becomes `postgresql://`."""
    if "://" not in url:
        if "=" in url:  # libpq keyword form: host=... dbname=...
            return url
        raise UsageError(f"{redact(url)!r} is not a PostgreSQL URL",
                         hint="use postgresql://user:password@host:port/database")
    scheme, rest = url.split("://", 1)
    base = scheme.split("+", 1)[0].lower()
    if base not in _SCHEMES:
        raise UsageError(f"{redact(url)!r} is not a PostgreSQL URL (scheme {scheme!r})",
                         hint="use postgresql://user:password@host:port/database")
    return f"postgresql://{rest}"


def redact(url: str) -> str:
    """The URL with any password replaced by ***: safe to print."""
    if "://" not in url:
        return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable connection URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostinfo = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":" + MASK
        netloc = f"{userinfo}@{hostinfo}"
    query = parts.query
    if query:
        pairs = [(k, MASK if k.lower() == "password" else v)
                 for k, v in parse_qsl(query, keep_blank_values=True)]
        query = urlencode(pairs, safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def passwords(url: str) -> list[str]:
    """Every form in which the URL's password(s) could be echoed back, longest first."""
    found: set[str] = set()
    if "://" in url:
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is not None:
            userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
            if ":" in userinfo:
                found.add(userinfo.split(":", 1)[1])
            for key, value in parse_qsl(parts.query, keep_blank_values=True):
                if key.lower() == "password":
                    found.add(value)
    for match in _KEYWORD_PASSWORD.finditer(url if "://" not in url else ""):
        found.add(match.group(2).strip("'"))
    forms = {f for p in found for f in (p, unquote(p)) if f}
    return sorted(forms, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message) with the URL redacted and its password masked."""
    text = text.replace(url, redact(url))
    for secret in passwords(url):
        text = text.replace(secret, MASK)
    return text
