"""PostgreSQL connection strings: normalise them, and keep their passwords out of sight.

A URL given to `warehouse publish --postgres` may hold a password, and libpq
and ADBC echo the connection string, or pieces of it, in some of their errors.
Everything that prints a URL goes through `redact`, and every driver message
goes through `scrub` before it reaches a terminal, a log or an exception.

The string is read the way libpq reads it: a URI when it starts with a scheme
and `://` (`scheme://[user[:password]@][host[:port][,...]][/dbname][?key=value&...]`,
percent-decoded), otherwise `key=value` words (values quoted with '...' or bare,
backslash escapes in both). Where a string is ambiguous, more is hidden rather
than less: a raw `@`, `/`, `?` or `#` in the userinfo, or a bare password with a
space in it, makes everything libpq could read as the password, and every piece
it would echo back from a string it refuses, secret.

>>> redact("postgresql://ana:s3cret@db:5432/bi")
'postgresql://ana:***@db:5432/bi'
>>> redact("host=db password=Kw Sp_V1 dbname=bi")
'host=db password=*** dbname=bi'
>>> scrub("could not connect with s3cret", "postgresql://ana:s3cret@db/bi")
'could not connect with ***'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from urllib.parse import quote, quote_plus, unquote

from warehouse.core.errors import UsageError

MASK = "***"
_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
# Options whose value is a secret (libpq 17 marks the first two; 18 adds the others).
_SECRET_KEYS = frozenset({"password", "sslpassword", "oauth_client_secret",
                          "scram_client_key", "scram_server_key"})
# libpq's options: a word after a password that is not one of these is junk libpq
# refuses and echoes, most likely the rest of the password. A keyword missing here
# only makes more text hidden.
_KEYWORDS = _SECRET_KEYS | frozenset("""
    service user passfile channel_binding connect_timeout dbname host hostaddr port
    client_encoding options application_name fallback_application_name keepalives
    keepalives_idle keepalives_interval keepalives_count tcp_user_timeout sslmode
    sslnegotiation sslcompression sslcert sslkey sslcertmode sslrootcert sslcrl sslcrldir
    sslsni requirepeer require_auth ssl_min_protocol_version ssl_max_protocol_version
    min_protocol_version max_protocol_version gssencmode krbsrvname gsslib gssdelegation
    replication target_session_attrs load_balance_hosts oauth_issuer oauth_client_id
    oauth_scope""".split())
_BLANKS = " \t\n\r\f\v"  # C's isspace(), which libpq uses
_MUST_ENCODE = "@/?#"
_QUERY_KEY = re.compile(r"[?&]([^=&?]*)=")
_HEX_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")

Span = tuple[int, int]


@dataclass
class _Secrets:
    """What a connection string gives away: the spans to mask, the texts a driver may echo."""

    spans: list[Span] = field(default_factory=list)
    echoes: set[str] = field(default_factory=set)
    has_secret: bool = False  # a password (or the like) itself, not just junk words


# ---------------------------------------------------------------------- public


def normalize(url: str) -> str:
    """A libpq URL: `postgresql+psycopg2://` (SQLAlchemy style) becomes `postgresql://`.

    A URL whose user or password holds a raw @ / ? or # is refused: libpq would
    cut it somewhere the user did not mean (and `_connect` appends a query).
    """
    hint = "use postgresql://user:password@host:port/database"
    scheme = _SCHEME.match(url)
    if scheme is None:
        if "=" in url:  # libpq keyword form: host=... dbname=...
            return url
        raise UsageError(f"{redact(url)!r} is not a PostgreSQL URL", hint=hint)
    name = scheme.group()[:-3]
    if name.split("+", 1)[0].lower() not in _SCHEMES:
        raise UsageError(f"{redact(url)!r} is not a PostgreSQL URL (scheme {name!r})", hint=hint)
    if any(ch in userinfo for userinfo in _userinfos(url, scheme.end()) for ch in _MUST_ENCODE):
        raise UsageError(
            f"the user or password in {redact(url)} holds a character a URL must encode, "
            "so where it ends is unclear",
            hint="percent-encode it: @ as %40, / as %2F, ? as %3F, # as %23 "
                 "(urllib.parse.quote(password, safe='') does it); an @ later in the URL "
                 "needs %40 too")
    return "postgresql://" + url[scheme.end():]


def redact(url: str) -> str:
    """The URL with any password replaced by ***: safe to print."""
    out, done = [], 0
    for start, end in _merged(_find(url).spans, url):
        out += [url[done:start], MASK]
        done = end
    return "".join(out) + url[done:]


def passwords(url: str) -> list[str]:
    """Every form in which the URL's password(s) could be echoed back, longest first."""
    forms = {form for echo in _find(url).echoes for form in _forms(echo)} - {""}
    return sorted(forms, key=lambda form: (-len(form), form))


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message) with the URL redacted and every password form masked.

    PGPASSWORD's value counts too: libpq sends it when the URL has no password.
    """
    text = text.replace(url, redact(url))
    secrets = set(passwords(url))
    if os.environ.get("PGPASSWORD"):
        secrets |= _forms(os.environ["PGPASSWORD"]) - {""}
    if not secrets:
        return text
    ordered = sorted(secrets, key=len, reverse=True)
    return re.compile("|".join(_pattern(s) for s in ordered)).sub(MASK, text)


# ---------------------------------------------------------------------- forms and spans


def _forms(text: str) -> set[str]:
    """`text` as given, percent-decoded, and percent-encoded as URL builders do it."""
    decoded = unquote(text)
    return {text, decoded, quote(decoded, safe=""), quote_plus(decoded)}


def _pattern(secret: str) -> str:
    """A regex for `secret` in which a %XX escape matches with either case of hex digits."""
    parts = _HEX_ESCAPE.split(secret)
    return "".join(f"%(?i:{part[1:]})" if i % 2 else re.escape(part)
                   for i, part in enumerate(parts))


def _merged(spans: list[Span], text: str) -> list[Span]:
    """Overlapping spans, and spans with only blanks between them, as one (one *** each)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip(_BLANKS)):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _find(text: str) -> _Secrets:
    scheme = _SCHEME.match(text)
    return _uri_secrets(text, scheme.end()) if scheme else _keyword_secrets(text)


def _holds_secret(value: str) -> bool:
    """A dbname that is itself a connection string (libpq may expand it) with a secret."""
    return bool((_SCHEME.match(value) or "=" in value) and _find(value).has_secret)


# ---------------------------------------------------------------------- URIs


def _userinfos(url: str, start: int) -> list[str]:
    """The user[:password] part as libpq reads it, and as it would read if it held raw @ / ?.

    libpq ends it at the first @ before any /; a password with a raw @ or / ends
    at a later @: the last one before the query, or the last one of all.
    """
    rest = url[start:]
    readings = []
    stop = re.search("[@/]", rest)
    if stop and stop.group() == "@":
        readings.append(rest[:stop.start()])
    head = rest.split("?", 1)[0]
    if "@" in head:
        readings.append(head[:head.rfind("@")])
    last = rest[:rest.rfind("@")] if "@" in rest else ""
    if ":" in last:
        readings.append(last)
    return readings


def _uri_secrets(url: str, start: int) -> _Secrets:
    """The password between the user's : and the *last* @, and every secret query value.

    The last @ is the widest reading: it covers libpq's own (the first @) and any
    password holding a raw @, /, ? or #. libpq's errors echo whole parts as it
    reads them (host, port, dbname, query words): their overlaps with the secret
    spans are echoes too.
    """
    found = _Secrets()
    at = url.rfind("@", start)
    colon = url.find(":", start, at) if at >= 0 else -1
    if colon >= 0:
        found.spans.append((colon + 1, at))
    for a, b, nested in _query_secrets(url, start):
        found.spans.append((a, b))
        found.echoes |= _find(nested).echoes if nested else set()
    parts = _libpq_uri_parts(url, start)
    for a, b in found.spans:
        found.echoes.add(url[a:b])
        found.echoes.update(url[max(a, c):min(b, d)] for c, d in parts if max(a, c) < min(b, d))
    found.has_secret = bool(found.spans)
    return found


def _query_secrets(url: str, start: int) -> Iterator[tuple[int, int, str]]:
    """Values of `password=` (any case, percent-encoded key or not) anywhere after a ? or &.

    A value runs to the next & (libpq keeps # and ? in it); `&words` after it
    that are no libpq `key=value` are taken as the rest of the password. A
    dbname holding a connection string with a password counts as secret too
    (third item: that connection string, else "").
    """
    for match in _QUERY_KEY.finditer(url, start):
        key, end = unquote(match.group(1)), _next_amp(url, match.end())
        value = unquote(url[match.end():end])
        nested = value if key == "dbname" and _holds_secret(value) else ""
        if not nested and key.lower() not in _SECRET_KEYS:
            continue
        while end < len(url):
            after = _next_amp(url, end + 1)
            name, eq, _ = url[end + 1:after].partition("=")
            if eq and unquote(name) in _KEYWORDS:
                break
            end = after
        yield match.end(), end, nested


def _next_amp(url: str, at: int) -> int:
    found = url.find("&", at)
    return len(url) if found < 0 else found


def _libpq_uri_parts(url: str, start: int) -> list[Span]:
    """Where libpq's URI parser puts user, password, hosts, ports, dbname and query words."""
    parts: list[Span] = []
    stop = _first(url, "@/", start)
    if stop < len(url) and url[stop] == "@":
        colon = url.find(":", start, stop)
        parts += [(start, colon), (colon + 1, stop)] if colon >= 0 else [(start, stop)]
        start = stop + 1
    end = _first(url, "/?", start)
    parts += _host_parts(url, start, end)
    if end < len(url) and url[end] == "/":
        query = _first(url, "?", end + 1)
        parts.append((end + 1, query))
        end = query
    if end < len(url):  # the query: key=value words between &
        for a, b in _pieces(url, end + 1, len(url), "&"):
            eq = url.find("=", a, b)
            parts += [(a, eq), (eq + 1, b)] if eq >= 0 else [(a, b)]
    return parts


def _host_parts(url: str, start: int, end: int) -> list[Span]:
    """host and port of each comma-separated host, [IPv6] ones without their brackets."""
    parts: list[Span] = []
    for a, b in _pieces(url, start, end, ","):
        close = url.find("]", a, b) if url.startswith("[", a) else -1
        if close >= 0:
            parts.append((a + 1, close))
            colon = close + 1 if url.startswith(":", close + 1) else -1
        else:
            colon = url.find(":", a, b)
            parts.append((a, b if colon < 0 else colon))
        if 0 <= colon < b:
            parts.append((colon + 1, b))
    return parts


def _first(text: str, chars: str, start: int) -> int:
    """Index of the first of `chars` at or after `start`, or len(text)."""
    found = [i for i in (text.find(ch, start) for ch in chars) if i >= 0]
    return min(found, default=len(text))


def _pieces(text: str, start: int, end: int, sep: str) -> list[Span]:
    cuts = [start - 1] + [i for i in range(start, end) if text[i] == sep] + [end]
    return [(a + 1, b) for a, b in pairwise(cuts)]


# ---------------------------------------------------------------------- key=value strings


@dataclass(frozen=True)
class _Word:
    """One `name=value` of a keyword string, or a bare word (value None) libpq refuses."""

    start: int
    end: int
    name: str
    value: str | None = None  # unquoted and unescaped, as libpq stores it
    value_start: int = -1
    open_quote: bool = False  # a quote libpq finds no end to: where the value ends is a guess


def _words(text: str) -> Iterator[_Word]:
    """Split a keyword string as libpq does, carrying on where libpq would stop with an error."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in _BLANKS:
            i += 1
            continue
        start = i
        while i < n and text[i] != "=" and text[i] not in _BLANKS:
            i += 1
        name, j = text[start:i], i
        while j < n and text[j] in _BLANKS:
            j += 1
        if j == n or text[j] != "=":
            yield _Word(start, i, name)  # libpq: missing "=" after this word
            continue
        j += 1
        while j < n and text[j] in _BLANKS:  # libpq skips blanks after =, value or not
            j += 1
        i, value, open_quote = _value(text, j)
        yield _Word(start, i, name, value, j, open_quote)


def _value(text: str, i: int) -> tuple[int, str, bool]:
    """(end, unescaped value, quote left open) at i: '...' or up to a blank; \\ escapes."""
    quoted = text.startswith("'", i)
    i += quoted
    out = []
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            out.append(text[i + 1:i + 2])
            i += 2
        elif (ch == "'") if quoted else (ch in _BLANKS):
            return i + quoted, "".join(out), False
        else:
            out.append(ch)
            i += 1
    return len(text), "".join(out), quoted  # an unterminated quote runs to the end


def _keyword_secrets(text: str) -> _Secrets:
    """Secret values (plus the junk words after them), and every word libpq would echo.

    libpq echoes a bare word ("missing =") and an unknown keyword ("invalid
    connection option"): those are masked wherever they are.
    """
    found, words, i = _Secrets(), list(_words(text)), 0
    while i < len(words):
        word, i = words[i], i + 1
        if word.value is None or word.name.lower() not in _KEYWORDS:
            found.spans.append((word.start, word.start + len(word.name)))
            found.echoes |= {word.name} | _uri_secrets(word.name, 0).echoes  # user:pw@host?
        if word.value is None or not _is_secret(word):
            continue
        run = [word]
        while i < len(words) and (words[i].value is None or words[i].name not in _KEYWORDS):
            run.append(words[i])
            i += 1
        _add_run(found, text, run)
    return found


def _is_secret(word: _Word) -> bool:
    return word.name.lower() in _SECRET_KEYS or (
        word.name == "dbname" and _holds_secret(word.value or ""))


def _add_run(found: _Secrets, text: str, run: list[_Word]) -> None:
    """Mask a secret value and the words after it that libpq would not take as options."""
    first, last = run[0], run[-1]
    found.has_secret = True
    found.spans.append((first.value_start, last.end))
    raw = text[first.value_start:first.end]
    if (first.value or "") or len(run) > 1:
        found.echoes |= {text[first.value_start:last.end], raw, raw.strip("'")}
    found.echoes.add(first.value or "")
    if first.open_quote:  # the password is some of these words: each, and each start of them
        value = first.value or ""
        found.echoes.update(value.split())
        found.echoes.update(value[:m.end()] for m in re.finditer(r"\S+", value))
    if _holds_secret(first.value or ""):
        found.echoes |= _find(first.value or "").echoes
    for word in run[1:]:
        found.echoes |= {text[word.start:word.end], word.name, word.value or ""}
