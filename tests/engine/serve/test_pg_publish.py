"""`warehouse publish --postgres`: the real marts in a real PostgreSQL server on loopback.

One throwaway server (warehouse.serve.pg_server) with password authentication runs
for the session. Every check reads PostgreSQL back through an independent
client (psql in a subprocess, SQLAlchemy with psycopg2) and compares it
with the marts in DuckDB by content: row counts, sums of numeric columns,
comments, schemas left over.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from conftest import write_project
from wh_helpers import build, copy_real_project

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError
from warehouse.serve import pg_publish, pg_server
from warehouse.serve.pg_types import pg_type
from warehouse.serve.pg_url import normalize, passwords, redact, scrub

REPO = Path(__file__).resolve().parents[3]
# Characters that URLs must percent-encode: the scrubbing must catch both forms.
PASSWORD = "Pw:9f/x@T7q"
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "FLOAT", "DECIMAL")


@pytest.fixture(scope="session")
def server() -> Iterator[pg_server.PgServer]:
    """A PostgreSQL server for the session; fails (not skips) if none can be had."""
    if pg_server.find_bin_dir() is None:
        subprocess.run([str(REPO / "scripts" / "ensure-postgres")], check=False)
    if pg_server.find_bin_dir() is None:
        pytest.fail("PostgreSQL server binaries are missing and scripts/ensure-postgres "
                    "could not install them")
    # Not under pytest's tmp_path: as root, the server runs as another user, who
    # cannot enter pytest's private (0700) base folder.
    folder = Path(tempfile.mkdtemp(prefix="wh-pg-"))
    try:
        yield pg_server.start(folder, password=PASSWORD)
    finally:
        pg_server.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def real_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own project, copied and built into a temporary warehouse."""
    root = copy_real_project(tmp_path_factory.mktemp("real") / "project")
    result, log = build(root)
    assert result.exit_code == 0, log
    return root


@pytest.fixture(scope="module")
def loaded(real_project: Path):
    """The copied project, loaded once (loading the real project takes seconds)."""
    return load_project(real_project)


def publish_cli(root: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "publish", "--project-dir", str(root),
         "--postgres", url, *extra], capture_output=True, text=True, timeout=300)


def psql_rows(server: pg_server.PgServer, sql: str) -> list[list[str]]:
    return [line.split("|") for line in server.psql(sql).splitlines() if line]


def duck(root: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def mart_columns(root: Path) -> dict[str, list[tuple[str, str]]]:
    marts: dict[str, list[tuple[str, str]]] = {}
    for table, column, typ in duck(root, "select table_name, column_name, data_type from "
                                   "information_schema.columns where table_schema = 'marts' "
                                   "order by table_name, ordinal_position"):
        marts.setdefault(table, []).append((column, typ))
    return marts


def schemas(server: pg_server.PgServer) -> set[str]:
    return {r[0] for r in psql_rows(server, "select nspname from pg_namespace "
                                    "where nspname not like 'pg\\_%' "
                                    "and nspname <> 'information_schema'")}


def table_oids(server: pg_server.PgServer, schema: str) -> dict[str, str]:
    return dict(psql_rows(server, "select relname, oid from pg_class where relkind = 'r' and "
                          f"relnamespace = '{schema}'::regnamespace"))


# ---------------------------------------------------------------------- the real marts


@pytest.fixture(scope="module")
def published(server, real_project) -> subprocess.CompletedProcess:
    proc = publish_cli(real_project, server.url)
    assert proc.returncode == 0, proc.stderr
    return proc


# Published beside the marts by `meta: {publish: true}` (a README example reads it).
EXTRA = {"int_gate_province_history": "intermediate"}


def test_every_mart_arrives_with_its_row_count(server, real_project, published):
    marts = mart_columns(real_project)
    assert len(marts) >= 10
    tables = {**{t: "marts" for t in marts}, **EXTRA}
    counts = dict(psql_rows(server, " union all ".join(
        f"select '{t}', count(*) from marts.\"{t}\"" for t in tables)))
    expected = {t: str(duck(real_project, f'select count(*) from {s}."{t}"')[0][0])
                for t, s in tables.items()}
    assert counts == expected
    assert set(table_oids(server, "marts")) == set(tables)
    for table in tables:  # a progress line per table, and a total
        assert f"marts.{table} " in published.stdout
    assert f"Published {len(tables)} marts" in published.stdout


def test_numeric_columns_sum_to_the_same_values_read_through_sqlalchemy(server, real_project,
                                                                       published):
    from sqlalchemy import create_engine, text

    engine = create_engine(server.url.replace("postgresql://", "postgresql+psycopg2://"))
    checked = 0
    try:
        with engine.connect() as conn:
            for table, columns in mart_columns(real_project).items():
                numeric = [c for c, t in columns if t.startswith(NUMERIC)]
                if not numeric:
                    continue
                select = ", ".join(f'sum("{c}")' for c in numeric) + ", count(*)"
                in_pg = conn.execute(text(f'select {select} from marts."{table}"')).one()
                in_duck = duck(real_project, f'select {select} from marts."{table}"')[0]
                for got, want in zip(in_pg, in_duck, strict=True):
                    if want is None:
                        assert got is None
                    else:
                        assert float(got) == pytest.approx(float(want), rel=1e-12)
                checked += len(numeric)
    finally:
        engine.dispose()
    assert checked >= 20


def test_types_are_mapped_explicitly(server, published):
    types = dict((f"{t}.{c}", typ) for t, c, typ in psql_rows(
        server, "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'marts'"))
    assert types["fct_trade_figure.value"] == "double precision"
    assert types["fct_trade_figure.published_on"] == "date"
    assert types["fct_trade_figure.paragraph"] == "integer"
    assert types["fct_trade_estimate.sources_agree"] == "boolean"
    assert types["fct_commodity_mention.value"] == "numeric"
    assert types["dim_source.n_figures"] == "bigint"
    assert types["dim_source.title"] == "text"


def test_table_and_column_descriptions_arrive_as_comments(server, loaded, published):
    node = next(n for n in loaded.nodes.values() if n.name == "fct_trade_estimate")
    assert node.description
    table_comment = server.psql("select obj_description('marts.fct_trade_estimate'::regclass)")
    assert table_comment.strip() == node.description.strip()
    column_comments = dict(psql_rows(server, (
        "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a "
        "where a.attrelid = 'marts.fct_trade_estimate'::regclass and a.attnum > 0")))
    described = {c.name: c.description for c in node.columns if c.description}
    assert described
    for column, description in described.items():
        if "\n" not in description and "|" not in description:
            assert column_comments[column] == description


def test_the_password_never_appears_in_the_output(published):
    assert PASSWORD not in published.stdout + published.stderr
    assert "warehouse:***@127.0.0.1" in published.stdout


def psql_describe(server: pg_server.PgServer, table: str) -> str:
    """What `psql -c '\\d TABLE'` prints, as a person would see it (headers and footers)."""
    env = dict(os.environ, PGPASSWORD=server.password or "")
    proc = subprocess.run([str(server.bin_dir / "psql"), "-X", "-h", server.host, "-p",
                           str(server.port), "-U", server.user, "-d", server.database,
                           "-c", f"\\d {table}"], capture_output=True, text=True, env=env,
                          timeout=60, check=True)
    return proc.stdout


def yaml_marts(root: Path) -> dict[str, dict]:
    """The marts' entries of the project's property files, read as plain YAML."""
    import yaml

    out = {}
    for path in sorted((root / "models" / "marts").glob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            out[model["name"]] = model
    return out


def test_psql_shows_primary_and_foreign_keys(server, real_project, published):
    """Each mart's id column (unique + not_null in its YAML) is its primary key, and each
    relationships test between two marts is a foreign key, as BI tools read them."""
    described = psql_describe(server, "marts.fct_trade_figure")
    assert '"fct_trade_figure_pkey" PRIMARY KEY, btree (figure_id)' in described
    assert ("FOREIGN KEY (source_id) REFERENCES marts.dim_source(source_id)" in described)
    assert ("FOREIGN KEY (period_id) REFERENCES marts.dim_period(period_id)" in described)
    constraints = psql_rows(server, (
        "select conrelid::regclass::text, contype, pg_get_constraintdef(oid) "
        "from pg_constraint where connamespace = 'marts'::regnamespace"))
    primary = {t.removeprefix("marts."): d for t, kind, d in constraints if kind == "p"}
    foreign = {(t.removeprefix("marts."), d) for t, kind, d in constraints if kind == "f"}
    marts = yaml_marts(real_project)
    for name, model in marts.items():
        keyed = [c["name"] for c in model.get("columns", [])
                 if {"unique", "not_null"} <= set(map(str, c.get("data_tests") or []))]
        assert primary.get(name) == (f"PRIMARY KEY ({keyed[0]})" if keyed else None), name
    expected = set()
    for name, model in marts.items():
        for column in model.get("columns", []):
            for test in column.get("data_tests") or []:
                rel = test.get("relationships") if isinstance(test, dict) else None
                to = rel and rel["to"].removeprefix("ref('").removesuffix("')")
                if to in marts and to in primary and primary[to] == f"PRIMARY KEY "\
                        f"({rel['field']})":
                    expected.add((name, f"FOREIGN KEY ({column['name']}) REFERENCES "
                                        f"marts.{to}({rel['field']})"))
    assert len(expected) >= 15
    assert foreign == expected
    assert f"Keys: {len(primary)} primary, 1 unique, {len(foreign)} foreign" in published.stdout


def test_what_the_readme_queries_is_published(server, real_project, published):
    """int_gate_province_history (meta publish: true) is published beside the marts."""
    rows = psql_rows(server, "select gate_pair_id, vn_province_name from "
                             "marts.int_gate_province_history where gate_pair_id = 'bo_y' "
                             "order by history_step")
    assert rows == [list(r) for r in duck(
        real_project, "select gate_pair_id, vn_province_name from "
                      "intermediate.int_gate_province_history where gate_pair_id = 'bo_y' "
                      "order by history_step")]
    assert len(rows) >= 2


# ---------------------------------------------------------------------- swap and failure


def test_a_second_publish_swaps_in_new_tables_and_leaves_no_schema_behind(server, loaded,
                                                                         published):
    before = table_oids(server, "marts")
    lines: list[str] = []
    result = pg_publish.publish(loaded, server.url, echo=lines.append)
    after = table_oids(server, "marts")
    assert set(after) == set(before)
    assert all(after[t] != before[t] for t in before)  # new tables, not rows appended
    assert schemas(server) == {"marts", "public"}
    assert len(lines) == len(result.tables) == len(before)
    assert psql_rows(server, "select count(*) from marts.dim_source") == [["5"]]


def test_a_failure_mid_load_keeps_the_published_schema(server, loaded, published, monkeypatch):
    before = table_oids(server, "marts")
    counts = psql_rows(server, "select count(*) from marts.fct_trade_figure")
    real_ingest = pg_publish._ingest
    calls = []

    def failing_ingest(cursor, schema, table, reader):
        calls.append(table)
        if len(calls) == 3:
            raise RuntimeError("simulated failure while copying " + table)
        return real_ingest(cursor, schema, table, reader)

    monkeypatch.setattr(pg_publish, "_ingest", failing_ingest)
    with pytest.raises(pg_publish.PublishError, match="simulated failure"):
        pg_publish.publish(loaded, server.url, echo=lambda _: None)
    assert len(calls) == 3
    assert table_oids(server, "marts") == before
    assert psql_rows(server, "select count(*) from marts.fct_trade_figure") == counts
    assert schemas(server) == {"marts", "public"}


def test_publishing_into_another_schema_leaves_marts_alone(server, loaded, published):
    before = table_oids(server, "marts")
    pg_publish.publish(loaded, server.url, "bi_copy", echo=lambda _: None)
    assert set(table_oids(server, "bi_copy")) == set(before)
    assert table_oids(server, "marts") == before
    server.psql("drop schema bi_copy cascade")


# ---------------------------------------------------------------------- exotic types


TYPED = {
    "pyproject.toml": """
        [tool.warehouse]
        [tool.warehouse.models.marts]
        "+materialized" = "table"
        "+schema" = "marts"
    """,
    "models/marts/typed.sql": """
        select
            i::tinyint as tiny, i::hugeint * 1000000000000 as huge, i::ubigint as ubig,
            (i / 3)::decimal(18,4) as dec, i * 0.5 as dbl,
            date '2024-01-01' + i::int as day, timestamp '2024-01-01 10:00:00' as ts,
            timestamptz '2024-01-01 10:00:00+00' as tstz, i % 2 = 0 as even,
            [i, i + 1] as pair, {'k': i, 'v': 'x' || i} as obj,
            '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid as id, 'it''s "quoted"' as txt,
            interval (i) day as span
        from range(1, 4) as r (i)
    """,
    "models/marts/typed.yml": """
        models:
          - name: typed
            description: "Every type the mapping knows; it's quoted."
            columns:
              - name: dec
                description: "A decimal, with a 'quote'."
    """,
}


@pytest.fixture(scope="module")
def typed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny built project: quick to load for the CLI's error paths."""
    root = write_project(tmp_path_factory.mktemp("typed") / "project", TYPED)
    result, log = build(root)
    assert result.exit_code == 0, log
    return root


def test_exotic_types_round_trip(server, typed_project):
    pg_publish.publish(load_project(typed_project), server.url, "typed", echo=lambda _: None)
    got = psql_rows(server, "select tiny, huge, ubig, dec, dbl, day, ts, tstz at time zone 'UTC',"
                            " even, pair, obj::jsonb ->> 'v', id, txt, span "
                            "from typed.typed order by tiny")
    assert got[1] == ["2", "2000000000000", "2", "0.6667", "1.0", "2024-01-03",
                      "2024-01-01 10:00:00", "2024-01-01 10:00:00", "t", "{2,3}", "x2",
                      "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "it's \"quoted\"", "2 days"]
    assert server.psql("select obj_description('typed.typed'::regclass)").strip() == \
        "Every type the mapping knows; it's quoted."
    server.psql("drop schema typed cascade")


# ---------------------------------------------------------------------- errors


def test_a_wrong_password_fails_without_echoing_it(server, typed_project):
    wrong = f"postgresql://warehouse:Wr0ng%2Fpass@127.0.0.1:{server.port}/warehouse"
    for extra in ((), ("--debug",)):
        proc = publish_cli(typed_project, wrong, *extra)
        assert proc.returncode == 1
        output = proc.stdout + proc.stderr
        assert "password authentication failed" in output
        assert "Wr0ng" not in output
        if not extra:
            assert "Traceback" not in output


def test_an_unreachable_server_fails_without_echoing_the_password(typed_project):
    port = pg_server.free_port()
    proc = publish_cli(typed_project, f"postgresql://ana:{quote(PASSWORD, safe='')}"
                                     f"@127.0.0.1:{port}/x")
    assert proc.returncode == 1
    assert "Connection refused" in proc.stderr and "Traceback" not in proc.stderr
    assert "9f" not in proc.stdout + proc.stderr
    assert f"postgresql://ana:***@127.0.0.1:{port}/x" in proc.stderr


def test_an_unencoded_password_is_a_usage_error_that_masks_it(typed_project):
    port = pg_server.free_port()
    proc = publish_cli(typed_project, f"postgresql://ana:{PASSWORD}@127.0.0.1:{port}/x")
    assert proc.returncode == 2
    assert "percent-encode" in proc.stderr
    assert "9f" not in proc.stdout + proc.stderr and "T7q" not in proc.stdout + proc.stderr


def test_without_a_published_warehouse_it_says_to_build(tmp_path):
    root = write_project(tmp_path / "empty", TYPED)
    with pytest.raises(ProjectError, match="warehouse build"):
        pg_publish.publish(load_project(root), "postgresql://nobody@127.0.0.1:1/x")


def test_usage_errors(typed_project):
    bad_scheme = publish_cli(typed_project, "mysql://root:pw@localhost/db")
    assert bad_scheme.returncode == 2 and "not a PostgreSQL URL" in bad_scheme.stderr
    assert "pw" not in bad_scheme.stderr.replace("PostgreSQL", "")
    bad_schema = publish_cli(typed_project, "postgresql://x@127.0.0.1:1/x", "--schema", "a;b")
    assert bad_schema.returncode == 2 and "plain schema name" in bad_schema.stderr
    public = publish_cli(typed_project, "postgresql://x@127.0.0.1:1/x", "--schema", "public")
    assert public.returncode == 2 and "schema of its own" in public.stderr


# ---------------------------------------------------------------------- URL handling (pure)


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://ana:s3cret@db:5432/bi", "postgresql://ana:***@db:5432/bi"),
    ("postgresql://ana@db/bi", "postgresql://ana@db/bi"),
    ("postgresql://db/bi?user=ana&password=s3cret", "postgresql://db/bi?user=ana&password=***"),
    ("host=db user=ana password=s3cret dbname=bi", "host=db user=ana password=*** dbname=bi"),
    ("host=db password='s3 cret' dbname=bi", "host=db password=*** dbname=bi"),
    ("postgresql://ana:p/w@rd@db/bi", "postgresql://ana:***@db/bi"),
])
def test_redact(url, shown):
    assert redact(url) == shown


def test_scrub_masks_raw_and_percent_encoded_passwords():
    url = "postgresql://ana:p%40ss%2Fw0rd@db/bi"
    assert set(passwords(url)) == {"p%40ss%2Fw0rd", "p@ss/w0rd"}
    message = f"failed for {url}: password p@ss/w0rd rejected"
    assert scrub(message, url) == "failed for postgresql://ana:***@db/bi: password *** rejected"


def test_normalize_accepts_sqlalchemy_urls():
    assert normalize("postgresql+psycopg2://a@h/d") == "postgresql://a@h/d"
    assert normalize("postgres://a@h/d") == "postgresql://a@h/d"


def test_the_throwaway_server_listens_on_loopback_only(server):
    assert server.psql("show listen_addresses").strip() == "127.0.0.1"
    assert server.psql("show unix_socket_directories").strip() == str(server.folder / "socket")
    assert pg_server.status(server.folder) == server


def test_default_privileges_give_a_bi_role_each_new_schema(server, loaded, published):
    """The README's recipe: grants survive the swap, because each publish makes new objects."""
    server.psql("create role bi_reader login password 'bi-pw'")
    try:
        server.psql("alter default privileges for role warehouse grant usage on schemas "
                    "to bi_reader; alter default privileges for role warehouse grant select "
                    "on tables to bi_reader")
        pg_publish.publish(loaded, server.url, echo=lambda _: None)
        reader = pg_server.PgServer(server.folder, server.port, server.bin_dir,
                                    password="bi-pw", user="bi_reader")
        assert reader.psql("select count(*) from marts.dim_source").strip() == "5"
        with pytest.raises(ProjectError, match="permission denied"):
            reader.psql("create table marts.scratch (x int)")
    finally:
        server.psql("alter default privileges for role warehouse revoke usage on schemas "
                    "from bi_reader; alter default privileges for role warehouse revoke "
                    "select on tables from bi_reader")
        server.psql("drop owned by bi_reader; drop role bi_reader")


@pytest.mark.parametrize(("duckdb_type", "pg", "cast"), [
    ("DECIMAL(18,4)", "numeric(18,4)", None),
    ("TINYINT", "smallint", "SMALLINT"),
    ("UBIGINT", "numeric(20,0)", "DECIMAL(20,0)"),
    ("TIMESTAMP WITH TIME ZONE", "timestamptz", None),
    ("VARCHAR[]", "text[]", None),
    ("INTEGER[3]", "integer[]", "INTEGER[]"),
    ("INTEGER[][]", "json", "to_json"),
    ("MAP(VARCHAR, INTEGER)", "json", "to_json"),
    ("UUID", "text", "VARCHAR"),
    ("ENUM('a', 'b')", "text", "VARCHAR"),
])
def test_type_mapping(duckdb_type, pg, cast):
    mapped = pg_type(duckdb_type)
    assert (mapped.sql, mapped.cast) == (pg, cast)


def test_missing_server_binaries_name_the_install_script(monkeypatch, tmp_path):
    monkeypatch.setattr(pg_server, "find_bin_dir", lambda: None)
    with pytest.raises(ProjectError, match="scripts/ensure-postgres"):
        pg_server.start(tmp_path / "pg")
    assert pg_server.stop(tmp_path / "pg") is False


def test_a_publish_into_a_schema_another_publish_holds_is_refused(server, loaded, published):
    import psycopg2

    other = psycopg2.connect(server.url)
    try:
        with other.cursor() as cur:
            cur.execute("select pg_advisory_lock(hashtext('warehouse:marts'))")
        before = table_oids(server, "marts")
        with pytest.raises(pg_publish.PublishError, match="another `warehouse publish`"):
            pg_publish.publish(loaded, server.url, echo=lambda _: None)
        assert table_oids(server, "marts") == before
        assert schemas(server) == {"marts", "public"}
    finally:
        other.close()


def test_clean_stops_the_local_server_before_removing_target() -> None:
    """`make publish` keeps a server in target/postgres; `warehouse clean` must not orphan it."""
    root = Path(tempfile.mkdtemp(prefix="wh-clean-"))
    root.chmod(0o755)  # as root, the server runs as another user, who must enter the folder
    try:
        write_project(root, {"models/a.sql": "select 1 as id\n"})
        running = pg_server.start(root / "target" / "postgres")
        assert pg_server.status(root / "target" / "postgres") is not None
        done = subprocess.run([sys.executable, "-m", "warehouse.cli", "clean",
                               "--project-dir", str(root)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "stopped the PostgreSQL server" in done.stdout
        assert not (root / "target").exists()
        probe = subprocess.run([str(running.bin_dir / "pg_isready"), "-h", "127.0.0.1",
                                "-p", str(running.port)], capture_output=True)
        assert probe.returncode != 0, "the server still answers after clean"
    finally:
        pg_server.stop(root / "target" / "postgres")
        shutil.rmtree(root, ignore_errors=True)
