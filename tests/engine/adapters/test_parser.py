"""DuckDB's parser for the compile layer (adapters/duckdb/parser.py): every thread parses on
a cursor of its own, all of one in-memory database opened once."""

from __future__ import annotations

import threading

from warehouse.adapters.duckdb import parser


def test_threads_parse_on_cursors_of_one_database():
    mine = parser._connection()
    assert parser._connection() is mine  # (kept for the thread)
    theirs: list = []
    thread = threading.Thread(target=lambda: theirs.append(parser._connection()))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine
    # A table made through one cursor is seen through the other: one database.
    mine.execute("create table parser_shared_probe as select 7 as x")
    try:
        assert theirs[0].execute("select x from parser_shared_probe").fetchall() == [(7,)]
    finally:
        mine.execute("drop table parser_shared_probe")


def test_a_parse_on_another_thread_reads_its_own_sql():
    found: dict[str, object] = {}

    def parse(name: str, sql: str) -> None:
        found[name] = parser.DuckDBParser().parse(sql)

    threads = [threading.Thread(target=parse, args=(f"t{i}", f"select a from s.t{i}"))
               for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {name: [t.name for t in parsed.tables] for name, parsed in found.items()} == {
        f"t{i}": [f"t{i}"] for i in range(4)}
