"""The Spark adapter: models transpiled from DuckDB SQL by sqlglot and built by Spark.

`adapter` implements `warehouse.adapters.base.Adapter` over one Spark
session (local mode or a cluster, `settings`); `transpile` turns the
project's DuckDB SQL into Spark SQL or a located refusal; `materialize`,
`seeds` and `state` are its parts. pyspark is imported only when a Spark
target is used (`pip install .[spark]`).
"""
