"""The DuckDB adapter: one local DuckDB file, written through a work copy and swapped in.

`adapter` implements `warehouse.adapters.base.Adapter`; the modules beside it
are its parts: write-audit-publish of the file (`workcopy`, its `files` helpers,
the build's `workspace`, the `spare` file a build may start from instead of a
copy), the stored state table (`state`), materializations (`materialize`), seed
loading (`seeds`, `csv_errors`) and DuckDB's own SQL parser (`parser`).
"""
