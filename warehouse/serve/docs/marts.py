"""The trade warehouse's marts that the site reports on: reconciliation, trade, commodities.

Each is read only when its relation exists in the published warehouse with
the columns the page needs; a project without them (any other project this
engine builds) simply gets no report page and no charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from warehouse.core.identity import NodeId
from warehouse.serve.docs.catalog import Catalog

REPORT = ("marts", "rpt_consistency_check")
FIGURES = ("marts", "fct_trade_figure")
ESTIMATES = ("marts", "fct_trade_estimate")
COMMODITIES = ("marts", "dim_commodity")

REPORT_COLUMNS = ("check_id", "check_kind", "severity", "status", "explanation")
REPORT_OPTIONAL = ("period_id", "period_start", "flow", "source_ids", "figure_ids", "gap",
                   "gap_high", "is_acknowledged", "acknowledgement")
FIGURE_COLUMNS = ("figure_id", "source_id", "period_id", "period_start", "period_end", "flow",
                  "measure", "value", "value_low", "value_high")
ESTIMATE_COLUMNS = ("period_id", "period_start", "period_end", "flow", "estimate_usd",
                    "estimate_low_usd", "estimate_high_usd")
COMMODITY_COLUMNS = ("direction", "commodity_id", "commodity_name")

SAMPLE_ROWS = 100  # shown on a mart's page
CSV_ROWS = 10_000  # in its CSV file: enough for a spreadsheet, never all of a big mart

# Inconsistent checks first, then those that cannot be verified, then the rest.
STATUS_ORDER = {"inconsistent": 0, "unverifiable": 1, "consistent": 2}


@dataclass(frozen=True)
class Marts:
    report: tuple[Mapping[str, Any], ...] | None = None
    trade: Mapping[str, tuple[Mapping[str, Any], ...]] | None = None
    commodities: tuple[Mapping[str, Any], ...] | None = None


@dataclass(frozen=True)
class Sample:
    """A mart's first rows (at most CSV_ROWS, in its key order) and how many it has."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: int


def read_samples(session: Any, catalog: Catalog, nodes: Mapping[NodeId, Any],
                 marts: Iterable[NodeId]) -> dict[NodeId, Sample]:
    """The first rows of each mart that exists in the warehouse, ordered by its first column
    so the sample is the same from build to build."""
    from warehouse.adapters.base import DatabaseError

    out: dict[NodeId, Sample] = {}
    if session is None:
        return out
    for node_id in marts:
        columns = catalog.columns.get(node_id)
        if not columns:
            continue
        relation = nodes[node_id].relation
        target = ".".join('"' + part.replace('"', '""') + '"'
                          for part in (relation.schema, relation.name))
        try:
            names, rows = session.query(f'select * from {target} order by 1 limit {CSV_ROWS}')
        except DatabaseError:
            continue
        total = len(rows) if len(rows) < CSV_ROWS else catalog.rows.get(node_id, len(rows))
        out[node_id] = Sample(tuple(names), tuple(tuple(r) for r in rows), total)
    return out


def read_marts(session: Any, catalog: Catalog, nodes: Mapping[NodeId, Any]) -> Marts:
    """The marts' rows, or a Marts without them if the relations are missing or unreadable
    (a page or chart is left out rather than the whole site failing)."""
    from warehouse.adapters.base import DatabaseError

    if session is None:
        return Marts()
    try:
        return _read(session, catalog, nodes)
    except DatabaseError:
        return Marts()


def _read(con: Any, catalog: Catalog, nodes: Mapping[NodeId, Any]) -> Marts:
    columns = _columns_by_relation(catalog, nodes)

    def has(relation: tuple[str, str], needed: tuple[str, ...]) -> bool:
        return relation in columns and set(needed) <= columns[relation]

    report = trade = commodities = None
    if has(REPORT, REPORT_COLUMNS):
        wanted = REPORT_COLUMNS + tuple(c for c in REPORT_OPTIONAL if c in columns[REPORT])
        rows = _rows(con, f"select {', '.join(wanted)} from marts.rpt_consistency_check")
        report = tuple(sorted(rows, key=lambda r: (STATUS_ORDER.get(r["status"], 3),
                                                    r["severity"] != "error", r["check_id"])))
    if has(FIGURES, FIGURE_COLUMNS) and has(ESTIMATES, ESTIMATE_COLUMNS):
        subject = " and subject = 'bilateral_trade'" if "subject" in columns[FIGURES] else ""
        extra = [c for c in ("figure_as_written", "qualifier") if c in columns[FIGURES]]
        figures = _rows(con, f"select {', '.join(FIGURE_COLUMNS + tuple(extra))} "
                             f"from marts.fct_trade_figure where measure = 'trade_value'{subject}"
                             " order by period_start, flow, figure_id")
        kind = ", period_kind" if "period_kind" in columns[ESTIMATES] else ""
        estimates = _rows(con, f"select {', '.join(ESTIMATE_COLUMNS)}{kind} "
                               "from marts.fct_trade_estimate order by period_start, flow")
        trade = {"figures": tuple(figures), "estimates": tuple(estimates)}
    if has(COMMODITIES, COMMODITY_COLUMNS):
        section = ("section_number, section_name" if {"section_number", "section_name"}
                   <= columns[COMMODITIES] else "null as section_number, null as section_name")
        commodities = tuple(_rows(con, f"""
            select direction, {section}, count(distinct commodity_id) as commodities,
                   string_agg(distinct commodity_name, '; ' order by commodity_name) as names
            from marts.dim_commodity group by all order by section_number nulls last, direction
        """))
    return Marts(report, trade, commodities)


def _columns_by_relation(catalog: Catalog, nodes: Mapping[NodeId, Any]
                         ) -> dict[tuple[str, str], set[str]]:
    out = {}
    for node_id, cols in catalog.columns.items():
        relation = nodes[node_id].relation
        out[(relation.schema.lower(), relation.name.lower())] = {c.lower() for c, _ in cols}
    return out


def _rows(session: Any, sql: str) -> list[dict[str, Any]]:
    names, rows = session.query(sql)
    return [dict(zip(names, row, strict=True)) for row in rows]
