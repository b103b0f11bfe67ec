"""Adapters: the one boundary between the engine and a database.

`base` holds the protocol every engine implements (open the published
warehouse read-only, build in a workspace and publish it, load a seed,
materialize a model, run a test query, read and write the stored state)
and the plain values that cross the boundary. `duckdb` is the DuckDB
implementation: the only package of `warehouse` that imports `duckdb`.

May import: `warehouse.core`. Nothing above: the layers above talk to a
database only through this package.
"""
