"""A dbt-style transform engine on DuckDB: render, parse, plan, materialize, test, publish."""

__version__ = "0.1.0"
