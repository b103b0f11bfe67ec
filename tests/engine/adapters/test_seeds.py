"""Seeds load through DuckDB's CSV reader: declared types win, bad values are located exactly."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from warehouse.adapters.duckdb.seeds import load_seed
from warehouse.core.errors import ProjectError
from warehouse.core.identity import Relation

REL = Relation("seeds", "s")


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def write(tmp_path: Path, text: str | bytes, name: str = "s.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def types(con) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {REL.sql}").fetchall()}


def content(con) -> list[tuple]:
    return con.execute(f"SELECT * FROM {REL.sql}").fetchall()


def load_error(con, path, column_types=None, **kw) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        load_seed(con, path, REL, column_types, display_path="seeds/s.csv", **kw)
    return info.value


def test_declared_types_win_over_inference(con, tmp_path):
    path = write(tmp_path, "code,n,amount,day\n007,1,1.50,2024-01-31\n010,2,2,2024-02-01\n")
    rows = load_seed(con, path, REL, {"code": "varchar", "N": "varchar", "amount": "decimal(10,2)"})
    assert rows == 2
    assert types(con) == {"code": "VARCHAR", "n": "VARCHAR", "amount": "DECIMAL(10,2)",
                          "day": "DATE"}
    assert content(con) == [("007", "1", Decimal("1.50"), datetime.date(2024, 1, 31)),
                            ("010", "2", Decimal("2.00"), datetime.date(2024, 2, 1))]


def test_declared_integer_reads_leading_zeros_as_numbers(con, tmp_path):
    path = write(tmp_path, "code\n007\n")
    load_seed(con, path, REL, {"code": "integer"})
    assert types(con) == {"code": "INTEGER"}
    assert content(con) == [(7,)]


def test_undeclared_leading_zero_columns_stay_text(con, tmp_path):
    path = write(tmp_path, "zip,id,neg,hex,ok\n0123,1,-01,0x1F,0.5\n70000,2,5,12,3\n")
    load_seed(con, path, REL)
    assert types(con) == {"zip": "VARCHAR", "id": "BIGINT", "neg": "VARCHAR", "hex": "VARCHAR",
                          "ok": "DOUBLE"}
    assert content(con) == [("0123", 1, "-01", "0x1F", 0.5), ("70000", 2, "5", "12", 3.0)]


def test_leading_zero_after_the_sniffer_sample_keeps_the_column_text(con, tmp_path):
    lines = ["id,code"] + [f"{i},{1000 + i}" for i in range(30000)] + ["30000,007"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert load_seed(con, path, REL) == 30001
    assert types(con) == {"id": "BIGINT", "code": "VARCHAR"}
    assert con.execute(f"SELECT code FROM {REL.sql} WHERE id = 30000").fetchall() == [("007",)]
    assert con.execute(f"SELECT code FROM {REL.sql} WHERE id = 0").fetchall() == [("1000",)]


def test_mixed_content_after_the_sample_stays_text(con, tmp_path):
    lines = (["d,n"] + [f"2024-01-{1 + i % 28:02d},{i}" for i in range(25000)]
             + ["soon,n/a"])
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert load_seed(con, path, REL) == 25001
    assert types(con) == {"d": "VARCHAR", "n": "VARCHAR"}
    assert content(con)[-1] == ("soon", "n/a")


def test_iso_dates_are_dates_other_formats_stay_text(con, tmp_path):
    path = write(tmp_path, "iso,ts,local\n2024-01-31,2024-01-31 10:00:00,01/02/2024\n"
                           "2024-02-29,2024-02-29T23:59:59,05/03/2024\n")
    load_seed(con, path, REL)
    assert types(con) == {"iso": "DATE", "ts": "TIMESTAMP", "local": "VARCHAR"}
    assert content(con)[0][2] == "01/02/2024"


def test_bad_value_names_file_line_column_value_and_type(con, tmp_path):
    path = write(tmp_path, "id,qty,name\n1,10,a\n2,20,b\n3,abc,c\n4,40,d\n")
    err = load_error(con, path, {"qty": "integer"})
    assert (err.path, err.line, err.column) == ("seeds/s.csv", 4, 3)
    text = str(err)
    assert text.startswith("seeds/s.csv:4:3: ")
    for part in ("column 2 ('qty')", "'abc'", "INTEGER"):
        assert part in text, part
    assert "    4 | 3,abc,c" in err.snippet
    assert err.snippet.splitlines()[1].endswith("^^^")


def test_bad_value_after_a_quoted_multi_line_field(con, tmp_path):
    path = write(tmp_path, 'id,note,qty\n1,"one\nline two\nline three",5\n2,plain,7\n'
                           '3,"x, ""y""\nz",oops\n')
    err = load_error(con, path, {"qty": "integer", "id": "integer"})
    # Records start on lines 2, 5 and 6; the bad value sits on line 7, after the line break.
    assert err.line == 7
    assert err.column == 4
    assert "'oops'" in str(err) and "column 3 ('qty')" in str(err)
    assert err.snippet.startswith("    7 | z\",oops")


def test_first_bad_value_in_file_order_wins(con, tmp_path):
    path = write(tmp_path, "a,b\n1,x\ny,2\n")
    err = load_error(con, path, {"a": "integer", "b": "integer"})
    assert err.line == 2 and "column 2 ('b')" in str(err)


def test_bad_value_far_into_a_big_file_and_crlf(con, tmp_path):
    body = "".join(f"{i},{i * 2}\r\n" for i in range(50000))
    path = write(tmp_path, "a,b\r\n" + body + "50000,2024-13-01\r\n")
    err = load_error(con, path, {"b": "bigint"})
    assert err.line == 50002 and err.column == 7
    assert "'2024-13-01'" in str(err) and "BIGINT" in str(err)


def test_declared_date_rejects_non_iso_text(con, tmp_path):
    path = write(tmp_path, "d\n2024-01-31\n31/01/2024\n")
    err = load_error(con, path, {"d": "date"})
    assert err.line == 3 and "DATE" in str(err) and "'31/01/2024'" in str(err)


def test_byte_order_mark_is_not_part_of_the_first_name(con, tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfid,name\r\n1,An\r\n2,B\xc3\xacnh\r\n")
    load_seed(con, path, REL, {"id": "integer"})
    assert list(types(con)) == ["id", "name"]
    assert content(con) == [(1, "An"), (2, "Bình")]


def test_header_only_csv_loads_an_empty_typed_table(con, tmp_path):
    path = write(tmp_path, "id,name,day\n")
    assert load_seed(con, path, REL, {"id": "integer", "day": "date"}) == 0
    assert types(con) == {"id": "INTEGER", "name": "VARCHAR", "day": "DATE"}
    assert content(con) == []


def test_missing_declared_column_is_an_error(con, tmp_path):
    path = write(tmp_path, "id,name\n1,a\n")
    err = load_error(con, path, {"id": "integer", "zip": "varchar"})
    assert err.path == "seeds/s.csv" and "'zip'" in str(err) and "header" in str(err)


@pytest.mark.parametrize("header, problem", [("id,,name", "column 2"), ("id,name,ID", "repeats")])
def test_empty_or_duplicate_header_names_are_errors(con, tmp_path, header, problem):
    path = write(tmp_path, header + "\n1,2,3\n")
    err = load_error(con, path)
    assert err.line == 1 and problem in str(err)


def test_empty_file_and_unknown_type_are_errors(con, tmp_path):
    assert "empty" in str(load_error(con, write(tmp_path, "")))
    err = load_error(con, write(tmp_path, "a\n1\n", "t.csv"), {"a": "intger"})
    assert "'intger'" in str(err) and "'a'" in str(err)


def test_wrong_field_count_is_located(con, tmp_path):
    path = write(tmp_path, "a,b\n1,2\n3,4,5\n")
    err = load_error(con, path)
    assert err.line == 3 and "3 fields" in str(err)


@pytest.mark.parametrize("text", ['a,b\n1,2\n3,"never closed\n4,5\n', 'a,b\n1,2\n3,"x"y\n'])
def test_broken_quoting_is_located(con, tmp_path, text):
    err = load_error(con, write(tmp_path, text))
    assert err.line == 3 and "malformed CSV" in str(err) and err.snippet.startswith("    3 | 3,")


def test_replaces_table_and_creates_schema(con, tmp_path):
    load_seed(con, write(tmp_path, "a\n1\n2\n"), Relation("fresh", "t"))
    assert load_seed(con, write(tmp_path, "a,b\n3,x\n", "u.csv"), Relation("fresh", "t")) == 1
    assert con.execute('SELECT * FROM fresh.t').fetchall() == [(3, "x")]


def test_without_full_refresh_rows_are_replaced_in_place(con, tmp_path):
    path = write(tmp_path, "a\n1\n2\n")
    load_seed(con, path, REL, {"a": "integer"})
    con.execute(f"COMMENT ON TABLE {REL.sql} IS 'kept'")
    write(tmp_path, "a\n3\n")
    assert load_seed(con, path, REL, {"a": "integer"}, full_refresh=False) == 1
    assert content(con) == [(3,)]
    comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 's'").fetchall()
    assert comment == [("kept",)]


def test_semicolon_delimiter(con, tmp_path):
    path = write(tmp_path, "a;b\n1;x,y\n")
    load_seed(con, path, REL, delimiter=";")
    assert content(con) == [(1, "x,y")]
