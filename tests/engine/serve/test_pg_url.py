"""No form of a PostgreSQL password reaches a message (warehouse.serve.pg_url).

`warehouse publish --postgres` prints the URL it was given, and libpq and ADBC
echo parts of a connection string in their errors. A password must be hidden
however it was spelled (raw, percent-encoded, quoted, escaped) and however
libpq cuts the string up: when a raw `?`, `@`, `/` or `#` or an unquoted space
makes the string ambiguous, every piece libpq could read as, or echo from, the
password counts as secret. Each case lists the texts that must never be shown;
psycopg2 (already a dev dependency) is libpq's own parser, so the tests also ask
libpq what it makes of each string.
"""

from __future__ import annotations

import argparse
import re
import traceback
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, unquote

import pytest

from warehouse.core.errors import UsageError
from warehouse.serve import pg_publish
from warehouse.serve.pg_url import MASK, normalize, passwords, redact, scrub

# (connection string, texts that must never be shown, exact redaction or None)
CASES = [
    # well-formed URIs: the password goes, everything else stays
    pytest.param("postgresql://ana:S3cretPw@db:5432/bi", ("S3cretPw",),
                 "postgresql://ana:***@db:5432/bi", id="uri"),
    pytest.param("postgres://ana:S3cretPw@db/bi", ("S3cretPw",),
                 "postgres://ana:***@db/bi", id="postgres-scheme"),
    pytest.param("postgresql+psycopg2://ana:S3cretPw@db/bi", ("S3cretPw",),
                 "postgresql+psycopg2://ana:***@db/bi", id="sqlalchemy-scheme"),
    pytest.param("POSTGRESQL://ana:S3cretPw@db/bi", ("S3cretPw",),
                 "POSTGRESQL://ana:***@db/bi", id="upper-case-scheme"),
    pytest.param("mysql://root:My5qlPw@localhost/db", ("My5qlPw",),
                 "mysql://root:***@localhost/db", id="other-scheme"),
    pytest.param("postgresql://ana:Pw%3A9f%2Fx%40T7q@db/bi", ("Pw:9f/x@T7q",),
                 "postgresql://ana:***@db/bi", id="percent-encoded"),
    pytest.param("postgresql://ana:Qm%3Fz%23Wv%20Kp@db/bi", ("Qm?z#Wv Kp",),
                 "postgresql://ana:***@db/bi", id="percent-encoded-query-chars"),
    pytest.param("postgresql://ana:Co1:on2@db/bi", ("Co1:on2",),
                 "postgresql://ana:***@db/bi", id="raw-colon"),
    pytest.param("postgresql://ana:Sp ace9@db/bi", ("Sp ace9",),
                 "postgresql://ana:***@db/bi", id="raw-space"),
    pytest.param("postgresql://ana:S3cretPw@[::1]:5432/bi", ("S3cretPw",),
                 "postgresql://ana:***@[::1]:5432/bi", id="ipv6"),
    pytest.param("postgresql://[::1]:5432/bi", (),
                 "postgresql://[::1]:5432/bi", id="ipv6-no-user"),
    pytest.param("postgresql://ana@db/bi", (), "postgresql://ana@db/bi", id="user-only"),
    pytest.param("postgresql://ana:@db/bi", (), "postgresql://ana:***@db/bi",
                 id="empty-password"),
    pytest.param("postgresql://db/bi?user=ana&password=S3cretPw", ("S3cretPw",),
                 "postgresql://db/bi?user=ana&password=***", id="query"),
    pytest.param("postgresql://db/bi?user=ana&password=Pw%26x%3Dy%23z", ("Pw&x=y#z",),
                 "postgresql://db/bi?user=ana&password=***", id="query-percent-encoded"),
    pytest.param("postgresql://db/bi?pass%77ord=S3cretPw", ("S3cretPw",),
                 "postgresql://db/bi?pass%77ord=***", id="query-encoded-key"),
    pytest.param("postgresql://ana:FirstPw1@db/bi?password=SecondPw2",
                 ("FirstPw1", "SecondPw2"), "postgresql://ana:***@db/bi?password=***",
                 id="two-passwords"),
    pytest.param("postgresql://ana@db/bi?sslmode=require&sslpassword=KeyPass77", ("KeyPass77",),
                 "postgresql://ana@db/bi?sslmode=require&sslpassword=***", id="sslpassword"),
    # ambiguous URIs: everything libpq could read as the password is hidden
    pytest.param("postgresql://u:ab?cd@host/db", ("ab?cd",),
                 "postgresql://u:***@host/db", id="raw-question-mark"),
    pytest.param("postgresql://ana:Qx9?Zr/Wv7@db/bi", ("Qx9?Zr/Wv7", "Qx9", "Zr/Wv7"),
                 "postgresql://ana:***@db/bi", id="raw-question-mark-and-slash"),
    pytest.param("postgresql://ana:Pw5z@Hq7x@db/bi", ("Pw5z@Hq7x", "Pw5z", "Hq7x"),
                 "postgresql://ana:***@db/bi", id="raw-at"),
    pytest.param("postgresql://ana:Kp4/Wm8@db/bi", ("Kp4/Wm8", "Kp4", "Wm8"),
                 "postgresql://ana:***@db/bi", id="raw-slash"),
    pytest.param("postgresql://ana:Hx5#Jv2@db/bi", ("Hx5#Jv2",),
                 "postgresql://ana:***@db/bi", id="raw-hash"),
    pytest.param("postgresql://ana:Zq1?Yw2/Xe3#Vr4@Ut5@db/bi",
                 ("Zq1?Yw2/Xe3#Vr4@Ut5", "Zq1", "Yw2/Xe3#Vr4@Ut5"),
                 "postgresql://ana:***@db/bi", id="raw-everything"),
    pytest.param("postgresql://ana:V6x@Pw9@[::1]:5432/bi", ("V6x@Pw9", "Pw9"),
                 "postgresql://ana:***@[::1]:5432/bi", id="ipv6-raw-at"),
    # an @ after the host might end a password holding "@db/bi?...": hidden too
    pytest.param("postgresql://ana:S3cretPw@db/bi?application_name=me@x", ("S3cretPw",),
                 "postgresql://ana:***@x", id="raw-at-in-query"),
    pytest.param("postgresql://db/bi?password=Ha#sh&Amp7&sslmode=require",
                 ("Ha#sh&Amp7", "Ha#sh", "Amp7"),
                 "postgresql://db/bi?password=***&sslmode=require", id="query-raw-hash-and-amp"),
    pytest.param("postgresql://db/bi?password=Eq=ua1s", ("Eq=ua1s",),
                 "postgresql://db/bi?password=***", id="query-raw-equals"),
    # libpq's keyword/value form
    pytest.param("host=db user=ana password=S3cretPw dbname=bi", ("S3cretPw",),
                 "host=db user=ana password=*** dbname=bi", id="keywords"),
    pytest.param("host=db password='S3 cret Pw' dbname=bi", ("S3 cret Pw",),
                 "host=db password=*** dbname=bi", id="keywords-quoted"),
    pytest.param(r"host=db password='It\'s \\ Pw9' dbname=bi", ("It's \\ Pw9", r"It\'s \\ Pw9"),
                 "host=db password=*** dbname=bi", id="keywords-escaped-quote"),
    pytest.param(r"host=db password=Esc\ Sp4ce dbname=bi", ("Esc Sp4ce", r"Esc\ Sp4ce"),
                 "host=db password=*** dbname=bi", id="keywords-escaped-space"),
    pytest.param("host=db password = S3cretPw dbname=bi", ("S3cretPw",),
                 "host=db password = *** dbname=bi", id="keywords-spaced-equals"),
    pytest.param("password=FirstPw1 host=db password=SecondPw2", ("FirstPw1", "SecondPw2"),
                 "password=*** host=db password=***", id="keywords-two-passwords"),
    pytest.param("host=db password='' dbname=bi", (), "host=db password=*** dbname=bi",
                 id="keywords-empty-password"),
    pytest.param("host=db user=ana dbname=bi", (), "host=db user=ana dbname=bi",
                 id="keywords-no-password"),
    pytest.param("host=db sslkey=k.pem sslpassword=KeyPass77", ("KeyPass77",),
                 "host=db sslkey=k.pem sslpassword=***", id="keywords-sslpassword"),
    pytest.param("host=db password=it's9x dbname=bi", ("it's9x",),
                 "host=db password=*** dbname=bi", id="keywords-quote-inside"),
    # malformed keyword/value strings: what libpq would echo back is hidden
    pytest.param("password=Kw Sp_V1", ("Kw Sp_V1", "Sp_V1"), "password=***",
                 id="keywords-unquoted-space"),
    pytest.param("host=db password=Kw Sp_V1 dbname=bi", ("Kw Sp_V1", "Sp_V1"),
                 "host=db password=*** dbname=bi", id="keywords-unquoted-space-between"),
    pytest.param("host=db password=Kw Spx9=V1x dbname=bi", ("Kw Spx9=V1x", "Spx9", "V1x"),
                 "host=db password=*** dbname=bi", id="keywords-unquoted-space-equals"),
    pytest.param("host=db password='Unterm Pw9 dbname=bi", ("Unterm Pw9",),
                 "host=db password=***", id="keywords-unterminated-quote"),
    pytest.param("host=db password= dbname=bi", ("dbname=bi",),
                 "host=db password= ***", id="keywords-blank-after-equals"),
    pytest.param("PASSWORD=UpCase9 host=db", ("UpCase9",), "PASSWORD=*** host=db",
                 id="keywords-upper-case-key"),
    pytest.param("host=db dbname='postgresql://ana:Nest9Pw@db/bi'", ("Nest9Pw",),
                 "host=db dbname=***", id="keywords-dbname-holds-a-uri"),
    pytest.param("ana:Np9x@db/bi?sslmode=require", ("Np9x",), "***=require",
                 id="no-scheme-with-equals"),
    pytest.param("ana:Ns7q@db/bi", ("Ns7q",), "***", id="no-scheme"),
]


def every_form(secret: str) -> set[str]:
    """The secret as typed, percent-decoded and percent-encoded (either case of hex digits)."""
    decoded = unquote(secret)
    encoded = quote(decoded, safe="")
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)
    return {secret, decoded, encoded, lower_hex} - {""}


def shown_forms(text: str, secrets: tuple[str, ...]) -> list[str]:
    return sorted(form for secret in secrets for form in every_form(secret) if form in text)


def libpq_reading(url: str) -> tuple[dict[str, str], str]:
    """What libpq makes of the string: its options, or the error it would print."""
    extensions = pytest.importorskip("psycopg2.extensions")
    try:
        return extensions.parse_dsn(url), ""
    except Exception as exc:  # libpq refused it: this text is what a driver echoes
        return {}, str(exc)


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES)
def test_redact_shows_no_form_of_the_password(url, secrets, shown):
    assert shown_forms(redact(url), secrets) == []


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES)
def test_redact_keeps_everything_else(url, secrets, shown):
    assert redact(url) == shown


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES)
def test_passwords_lists_every_secret(url, secrets, shown):
    assert set(secrets) <= set(passwords(url))


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES)
def test_scrub_masks_every_form_in_a_driver_message(url, secrets, shown):
    forms = sorted(f for s in secrets for f in every_form(s))
    message = f"could not connect to {url}: rejected {' / '.join(forms)}"
    scrubbed = scrub(message, url)
    assert shown_forms(scrubbed, secrets) == []
    assert scrubbed.startswith(f"could not connect to {redact(url)}: rejected")


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES)
def test_what_libpq_reads_or_echoes_is_masked(url, secrets, shown):
    options, error = libpq_reading(url)
    for key in ("password", "sslpassword"):
        if options.get(key):
            assert options[key] in passwords(url)
            assert shown_forms(redact(url), (options[key],)) == []
    assert shown_forms(scrub(error, url), secrets) == []


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES)
def test_normalize_refuses_or_accepts_without_showing_the_password(url, secrets, shown):
    try:
        normalized = normalize(url)
    except UsageError as exc:
        assert shown_forms(str(exc), secrets) == []
    else:
        assert normalized == url or normalized.startswith("postgresql://")


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES)
def test_publish_command_prints_only_the_redacted_url(url, secrets, shown, monkeypatch, capsys):
    result = pg_publish.PublishResult("marts", (), 0.0)
    monkeypatch.setattr(pg_publish, "publish", lambda *args, **kwargs: result)
    project = SimpleNamespace(database_path=Path("warehouse.duckdb"))
    args = argparse.Namespace(postgres=url, schema="marts")
    try:
        pg_publish.command(project, args)
    except UsageError as exc:
        print(exc)
    out, err = capsys.readouterr()
    assert shown_forms(out + err, secrets) == []


@pytest.mark.parametrize("url", [
    "postgresql://u:ab?cd@host/db",
    "postgresql://ana:Kp4/Wm8@db/bi",
    "postgresql://ana:S3cretPw@db/bi?application_name=me@x",
])
def test_normalize_refuses_a_url_whose_password_has_no_clear_end(url):
    with pytest.raises(UsageError, match="percent-encode"):
        normalize(url)


def test_normalize_keeps_well_formed_urls():
    assert normalize("postgres://ana:Pw%3F@[::1]:5432/bi") == "postgresql://ana:Pw%3F@[::1]:5432/bi"
    assert normalize("postgresql://db/bi?application_name=me@x") == \
        "postgresql://db/bi?application_name=me@x"
    assert normalize("host=db password='a b'") == "host=db password='a b'"


def test_scrub_masks_the_pgpassword_variable(monkeypatch):
    """libpq sends PGPASSWORD when the URL has none; a message could hold it too."""
    monkeypatch.setenv("PGPASSWORD", "Env$ecret 9")
    scrubbed = scrub("auth failed: Env$ecret 9 / Env%24ecret%209", "postgresql://ana@db/bi")
    assert shown_forms(scrubbed, ("Env$ecret 9",)) == []
    assert scrubbed == f"auth failed: {MASK} / {MASK}"


def test_scrub_leaves_a_message_alone_without_pgpassword(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    assert scrub("server closed the connection", "postgresql://ana@db/bi") == \
        "server closed the connection"


def test_a_driver_error_is_reraised_without_the_password_or_its_chain():
    """`--debug` prints the traceback: the driver's own exception must not be in it."""
    url = "postgresql://ana:Pw%3A9f%2Fx%40T7q@db/bi"
    with pytest.raises(pg_publish.PublishError) as caught:
        with pg_publish._scrubbed(url, "connecting"):
            raise RuntimeError(f"could not connect to {url} with password Pw:9f/x@T7q")
    error = caught.value
    assert error.__cause__ is None and error.__suppress_context__
    printed = "".join(traceback.format_exception(error))
    assert shown_forms(printed, ("Pw:9f/x@T7q",)) == []
    assert "connecting failed: RuntimeError: could not connect to postgresql://ana:***@db/bi" \
        in printed


def test_a_timeout_is_added_to_uris_only(monkeypatch):
    """A keyword string holding `://` (a dbname that is a URI) must not get `?connect_timeout`."""
    dbapi = pytest.importorskip("adbc_driver_postgresql.dbapi")
    seen: list[str] = []
    monkeypatch.setattr(dbapi, "connect", seen.append)
    pg_publish._connect("postgresql://ana@db/bi")
    pg_publish._connect("host=db dbname='postgresql://ana@db/bi'")
    assert seen == ["postgresql://ana@db/bi?connect_timeout=10",
                    "host=db dbname='postgresql://ana@db/bi'"]
