"""dbt: what the engine knows about dbt projects, as data and small functions.

Reading `dbt_project.yml` and a DuckDB profile into a `ProjectConfig`
(`project`, `profile`), dbt's rules for where a node lands (`naming`), and the
edge of the supported subset: which configs, Jinja names and files are
honoured, ignored or refused, and why (`subset`).

May import: `warehouse.core`. Rendering, parsing and running happen in the
layers above, which ask this one what dbt would do.
"""
