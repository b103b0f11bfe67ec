"""Sources read from files: dbt-duckdb's `external_location`, as the SQL that stands for
the source table wherever a model, snapshot or test reads it.

dbt-duckdb renders such a source as its location: `{placeholders}` filled
from the table (`name`, `identifier`, `schema`, `tags`) and the keys of its
meta and config, by the `formatter` (`newstyle`: str.format, the default;
`oldstyle`: `%(name)s`; `template`: `${name}`); the result quoted as a path
unless it is a call (`read_csv('data/*.csv', header = true)`) or already
quoted. DuckDB then picks the reader from the path's extension (CSV, Parquet,
JSON; a glob reads many files). A relative path is read from the current
folder, as DuckDB (and so dbt-duckdb) reads it.

Such a source has no table in the warehouse, so its data signature cannot be
read: whatever is built from it runs on every build (plan.py), as it must, since
the files may have changed.
"""

from __future__ import annotations

from string import Template
from typing import Any

from warehouse.compile.render import Renderer
from warehouse.compile.render_globals import RenderState
from warehouse.core.errors import ProjectError
from warehouse.core.properties import ExternalLocation, SourceTableProps

FORMATTERS = ("newstyle", "oldstyle", "template")


def external_sql(renderer: Renderer, table: SourceTableProps, identifier: str,
                 schema: str) -> str | None:
    """The SQL that reads `table`'s files, or None for a source kept in the warehouse."""
    ext = table.external
    if ext is None:
        return None
    template = ext.template
    if "{{" in template or "{%" in template:  # Jinja first (env_var, var), as dbt does
        template = renderer.render_string(
            template, RenderState(str(ext.where.get("path")), line=ext.where.get("line")),
            {}).strip()
    tags = ext.context.get("tags")
    context = {**ext.context, "name": table.props.name, "identifier": identifier,
               "schema": schema, "tags": list(tags) if isinstance(tags, list) else []}
    location = _formatted(ext, template, context)
    if "(" not in location and not location.startswith("'"):
        location = "'" + location.replace("'", "''") + "'"
    return location


def external_reads(external: str) -> set[tuple[str, str]]:
    """How a query reading `external` names it in its FROM, as (schema, name) in lower case:
    a quoted path reads as a table of that name; a reader call is keyed by its SQL
    (`table_key` gives the same key for a table of a parsed query)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(f"select * from {external}", dialect="duckdb")
    return {table_key(t) for t in tree.find_all(exp.Table)}


def table_key(table: Any) -> tuple[str, str]:
    """(schema, name) of a sqlglot Table in lower case; for a table function, ('', its SQL)."""
    from sqlglot import exp

    if isinstance(table.this, exp.Identifier):
        return table.db.lower(), table.name.lower()
    return "", table.this.sql(dialect="duckdb").lower()


def _formatted(ext: ExternalLocation, template: str, context: dict[str, Any]) -> str:
    what = f"external_location {ext.template!r}"
    try:
        if ext.formatter == "newstyle":
            return template.format_map(context)
        if ext.formatter == "oldstyle":
            return template % context
        if ext.formatter == "template":
            return Template(template).substitute(context)
    except KeyError as exc:
        raise ProjectError(f"{what} names {{{exc.args[0]}}}, which is neither a key of the "
                           "source's meta or config nor name, identifier, schema or tags",
                           **ext.where) from None
    except (ValueError, TypeError, IndexError) as exc:
        raise ProjectError(f"{what} cannot be formatted ({ext.formatter}): {exc}",
                           **ext.where) from None
    raise ProjectError(f"formatter {ext.formatter!r} is not one of " + ", ".join(FORMATTERS),
                       **ext.where)
