"""The DuckDB adapter: one local DuckDB file, written through a work copy and swapped in.

`adapter` implements `warehouse.adapters.base.Adapter`; the modules beside it
are its parts: write-audit-publish of the file (`workcopy`), the stored state
table (`state`), materializations (`materialize`), seed loading (`seeds`,
`csv_errors`) and DuckDB's own SQL parser (`parser`).
"""
