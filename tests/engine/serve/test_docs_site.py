"""The docs site's second pass: search index, mart rows and CSV, the report's links and
reasons, and charts that mark a missing period, spread equal points and keep whole labels."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from docs_fixture import build_with_results, write_fixture

from warehouse.compile.load import load_project
from warehouse.serve.docs import build_docs
from warehouse.serve.docs.charts import commodity_chart, trade_chart
from warehouse.serve.docs.report import breakable


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    root = write_fixture(tmp_path_factory.mktemp("site") / "project")
    build_with_results(root)
    build_docs(load_project(root))
    return root / "target" / "docs"


def test_search_index_holds_models_columns_and_checks(docs):
    text = (docs / "search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.DOCS_INDEX = ")
    entries = json.loads(text.removeprefix("window.DOCS_INDEX = ").rstrip().rstrip(";"))
    assert ["model", "fct_trade_estimate", "marts", "Best estimate per period and flow.",
            "model.fct_trade_estimate.html"] in entries
    assert ["column", "estimate_usd", "fct_trade_estimate", "Midpoint of the interval.",
            "model.fct_trade_estimate.html#col-estimate_usd"] in entries
    checks = {e[1]: e for e in entries if e[0] == "check"}
    assert set(checks) == {"a_same", "b_growth", "c_multi"}
    assert checks["b_growth"][4] == "reconciliation.html#check-b_growth"
    assert 'id="check-b_growth"' in (docs / "reconciliation.html").read_text(encoding="utf-8")
    page = (docs / "index.html").read_text(encoding="utf-8")
    assert '<script src="search-index.js"></script><script src="site.js"></script>' in page


def test_each_mart_has_its_rows_and_a_csv(docs):
    page = (docs / "model.fct_trade_figure.html").read_text(encoding="utf-8")
    assert re.findall(r'<tr id="row-(\w+)">', page) == ["f1", "f2", "f3", "f4", "f5"]
    assert 'href="data/fct_trade_figure.csv" download' in page and "all 5 rows" in page
    rows = list(csv.reader(io.StringIO((docs / "data" / "fct_trade_figure.csv").read_text(
        encoding="utf-8"))))
    assert rows[0][:3] == ["figure_id", "source_id", "period_id"] and len(rows) == 6
    assert rows[2][rows[0].index("value_high")] == ""  # NULL is empty, not "None"
    assert rows[1][rows[0].index("period_start")] == "2024-01-01"
    assert not (docs / "data" / "stg_figures.csv").exists()  # marts only
    assert 'id="rows"' not in (docs / "model.stg_figures.html").read_text(encoding="utf-8")


def test_index_lists_marts_before_the_other_layers(docs):
    page = (docs / "index.html").read_text(encoding="utf-8")
    marts, lineage = page.index('id="marts"'), page.index('id="lineage"')
    staging, seeds = page.index('id="layer-staging"'), page.index('id="layer-seed"')
    assert marts < lineage < staging < seeds


def test_report_links_figures_and_shows_the_acknowledgement(make_project):
    from docs_fixture import FILES

    files = dict(FILES)
    files["seeds/checks.csv"] = (
        "check_id,check_kind,severity,status,explanation,source_ids,figure_ids,period_id,"
        "is_acknowledged,acknowledgement\n"
        "g:f1~doc_a,growth_vs_prior,error,inconsistent,Off by a bit.,doc_a,\"f1,f9\",2024,"
        "true,The source rounds its growth rate.\n")
    root = make_project(files)
    build_with_results(root)
    build_docs(load_project(root))
    page = (root / "target" / "docs" / "reconciliation.html").read_text(encoding="utf-8")
    assert '<a href="model.fct_trade_figure.html#row-f1">f1</a>, f9' in page  # f9: no row
    assert "<b>Acknowledged:</b> The source rounds its growth rate." in page
    assert '<option value="doc_a">doc_a</option>' in page  # the source filter
    assert '<option value="2024">2024</option>' in page  # the period filter
    assert "<code>g:<wbr>f1~<wbr>doc_a</code>" in page


def test_check_ids_break_only_at_separators():
    assert breakable("a:b~c,d..e") == "a:<wbr>b~<wbr>c,<wbr>d..<wbr>e"
    assert breakable("<x>") == "&lt;x&gt;"


def _figure(fid: str, year: int, value: float, high: float | None) -> dict:
    return {"figure_id": fid, "source_id": "s", "period_id": str(year), "flow": "total",
            "period_start": date(year, 1, 1), "period_end": date(year, 12, 31),
            "value": value, "value_low": value, "value_high": high}


def test_trade_chart_marks_a_missing_year_and_spreads_equal_points():
    figures = [_figure("a", 2021, 1e9, 1.1e9), _figure("b", 2023, 2e9, None),
               _figure("c", 2023, 2e9, None), _figure("d", 2023, 2e9, None)]
    svg = trade_chart(figures, [])
    assert re.findall(r'<g class="missing" data-tip="(\d+):', svg) == ["2022"]
    xs = [float(x) for x in re.findall(r'<circle class="figure" cx="([\d.]+)"[^>]*'
                                       r'data-tip="[bcd] ', svg)]
    xs.sort()
    assert len(xs) == 3 and min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 7
    assert "<title>" not in svg  # tooltips are data-tip, shown on touch too


def test_commodity_labels_are_whole():
    name = ("Prepared foodstuffs; beverages, spirits and vinegar; tobacco and manufactured "
            "tobacco substitutes")
    svg = commodity_chart([{"direction": "vn_to_la", "section_number": 4, "section_name": name,
                            "commodities": 2, "names": "Beer; Sugar"}])
    words = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg))
    assert words == "IV. " + name
    assert 'data-tip="Vietnam → Laos: 2 (Beer; Sugar)"' in svg


def test_a_large_graph_is_laid_out_without_counting_crossings():
    """Past COUNTED_EDGES the sweeps run without counting (the count grows with the square
    of the edges); every node is still placed once, in its layer's columns."""
    from warehouse.core.identity import NodeId, NodeKind
    from warehouse.serve.docs.layout import COUNTED_EDGES, MAX_PER_COLUMN, arrange

    seeds = [NodeId(NodeKind.SEED, f"s{i}") for i in range(30)]
    models = [NodeId(NodeKind.MODEL, f"m{i}") for i in range(300)]
    parents = {m: (seeds[i % 30], seeds[(i * 7) % 30]) for i, m in enumerate(models)}
    layer = {**{s: "seed" for s in seeds}, **{m: "marts" for m in models}}
    assert sum(len(p) for p in parents.values()) > COUNTED_EDGES
    layout = arrange([*seeds, *models], parents, layer)
    assert layout.crossings == -1
    placed = [n for column in layout.columns for n in column]
    assert sorted(placed) == sorted([*seeds, *models])
    assert all(len(c) <= MAX_PER_COLUMN for c in layout.columns)
    assert layout.column_layer[:2] == ("seed", "seed") and set(layout.column_layer[2:]) == {
        "marts"}
