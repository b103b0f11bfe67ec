"""A BI tool reading the published warehouse while it is rebuilt (DESIGN §1 and §4).

The reader connects the way Superset does: SQLAlchemy 1.4 with duckdb-engine
and `read_only`. It lists the marts, reads them, and keeps its connection
open while `warehouse build` runs in another process. The build must
succeed, the reader must keep seeing one consistent version, and a new
connection must see the new one.

The project is a copy of this repository's warehouse plus one probe mart
whose value is a build variable, so "the new version" is visible.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from wh_helpers import copy_real_project

PROBE = "select {{ var('bi_version', 0) }} as version, 'probe' as what\n"
CONSISTENT = (
    "select (select version from marts.bi_probe), "
    "(select count(*) from marts.fct_trade_figure), "
    "(select sum(estimate_usd) from marts.fct_trade_estimate), "
    "(select count(*) from marts.rpt_consistency_check)"
)


def start_build(root: Path, version: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "warehouse.cli", "build", "--project-dir", str(root),
         "--vars", json.dumps({"bi_version": version})],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def read_only_engine(db: Path):
    return create_engine(f"duckdb:///{db}", connect_args={"read_only": True})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_real_project(tmp_path_factory.mktemp("bi") / "project")
    (root / "models/marts/bi_probe.sql").write_text(PROBE)
    build = start_build(root, 1)
    out, _ = build.communicate(timeout=600)
    assert build.returncode == 0, out
    return root


def other_process_reads(db: Path) -> int:
    """The probe's version as a brand-new process sees it."""
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(con.execute('select version from marts.bi_probe').fetchall()[0][0])")
    proc = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True,
                          text=True, timeout=60, check=True)
    return int(proc.stdout)


def test_a_read_only_sqlalchemy_reader_survives_a_rebuild(project):
    db = project / "warehouse.duckdb"
    engine = read_only_engine(db)
    conn = engine.connect()
    try:
        inspector = inspect(conn)
        marts = set(inspector.get_table_names(schema="marts"))
        assert {"fct_trade_figure", "fct_trade_estimate", "rpt_consistency_check",
                "dim_period", "dim_source", "bi_probe"} <= marts
        columns = {c["name"]: str(c["type"]) for c in
                   inspector.get_columns("fct_trade_estimate", schema="marts")}
        assert {"period_id", "flow", "estimate_usd", "sources_agree"} <= set(columns)
        first = conn.execute(text(CONSISTENT)).one()
        with (project / "seeds" / "reported_figures.csv").open(encoding="utf-8") as seed:
            assert first[0] == 1 and first[1] == sum(1 for _ in csv.DictReader(seed))

        build = start_build(project, 2)
        reads = 0
        while build.poll() is None:
            assert conn.execute(text(CONSISTENT)).one() == first
            reads += 1
            time.sleep(0.05)
        out = build.stdout.read()
        build.stdout.close()
        assert build.returncode == 0, out
        assert reads >= 1

        # The open connection still holds the old file; a new process sees the new one.
        assert conn.execute(text(CONSISTENT)).one() == first
        assert other_process_reads(db) == 2
    finally:
        conn.close()
        engine.dispose()

    # In this process, once the old connection is closed, a new one sees the new build.
    engine = read_only_engine(db)
    try:
        with engine.connect() as fresh:
            second = fresh.execute(text(CONSISTENT)).one()
            assert second[0] == 2
            assert second[1:] == first[1:]
            assert "bi_probe" in inspect(fresh).get_table_names(schema="marts")
    finally:
        engine.dispose()


def test_a_read_only_connection_cannot_write(project):
    from sqlalchemy.exc import DBAPIError

    engine = read_only_engine(project / "warehouse.duckdb")
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError, match="read-only"):
            conn.execute(text("create table marts.scratch as select 1 as x"))
    finally:
        engine.dispose()
