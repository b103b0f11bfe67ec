"""Compile: project files in, checked nodes and their DAG out, with no database.

The pipeline, one module a step: read the config and files (`files`),
render Jinja (`render`, with `simple_template` as its fast path), parse and
check the SQL (`parse`), resolve `ref()`/`source()` and inline ephemeral
models (`resolve`), build data tests (`datatests`, `generic_sql`,
`testbuild`), assemble the nodes (`assemble`) into a `Project` (`project`),
fingerprint them (`fingerprint`) and keep the result between runs
(`parse_cache`, `memo`). `load.load_project` is the entry point.

May import: `warehouse.core`, `warehouse.dbt`, and `warehouse.adapters` for
the database's own SQL parser only (the engine that runs the SQL is the
authority on its syntax).
"""
