"""The engine's DuckDB driver is the package's extension alone (adapters/duckdb/driver.py):
the same functions and classes the package exports, without the package's Python layer."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from warehouse.adapters.duckdb.driver import duckdb as driver

# Every name the engine reads off its driver (grep `duckdb\.` under warehouse/adapters).
USED = ("connect", "Error", "ParserException", "TransactionException", "DuckDBPyConnection",
        "tokenize", "__version__")


def test_the_driver_gives_the_packages_own_objects():
    for name in USED:
        assert getattr(driver, name) is getattr(duckdb, name) or (
            name == "__version__" and driver.__version__ == duckdb.__version__), name


def test_the_driver_does_not_import_the_packages_python_layer():
    code = ("import sys; from warehouse.adapters.duckdb.driver import duckdb; "
            "con = duckdb.connect(); assert con.execute('select 42').fetchall() == [(42,)]; "
            "print('duckdb' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_a_driver_error_is_caught_as_the_packages():
    con = driver.connect()
    try:
        con.execute("select * from no_such_table")
    except duckdb.Error as exc:  # the package's class: what callers and tests catch
        assert "no_such_table" in str(exc)
    else:
        raise AssertionError("no error")


def test_a_sessions_arrow_batches_work_in_a_process_that_never_imported_the_package():
    """`publish` reads marts through the relation API, which the package's import adds."""
    code = ("from warehouse.adapters.duckdb.driver import duckdb\n"
            "from warehouse.adapters.duckdb.session import DuckDBSession\n"
            "reader = DuckDBSession(duckdb.connect()).arrow_batches("
            "'select range as x from range(5)', 2)\n"
            "print(reader.read_all().num_rows)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "5"
