"""Bench: `make bench`, what the engine costs on top of DuckDB running the same SQL.

`measure` runs it (`python -m warehouse.bench`), `project` generates the
layered dbt-style projects it builds, `seed` times seed loading, `report`
prints the table. A command, not a test: a missed goal is reported, never an
error.

May import: anything in `warehouse`, and `duckdb` directly for the floor it
measures against.
"""
