"""Serve: the published warehouse for people and other tools.

The documentation site (`docs`), model- and column-level lineage (`lineage`,
`lineage_cli`), Parquet export (`export`) and the copy into PostgreSQL
(`pg_publish`, with `pg_types`, `pg_url` and the throwaway server `pg_server`).

May import: `warehouse.core`, `warehouse.compile`, `warehouse.adapters`,
`warehouse.run` (artifacts and results). Reads the published warehouse
read-only, through the adapter; never builds.
"""
