"""The docs site: pages for every node, types, test results, lineage, report, charts, escaping."""

from __future__ import annotations

import re
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from docs_fixture import FILES, MODELS, SCRIPT, SEEDS, build_with_results, write_fixture

from warehouse.compile.load import load_project
from warehouse.core.identity import NodeId, NodeKind
from warehouse.serve.docs import build_docs
from warehouse.serve.docs.charts import nice_ticks, trade_chart
from warehouse.serve.docs.graph_svg import lineage_svg
from warehouse.serve.docs.layout import arrange, crossings
from warehouse.serve.docs.serve import make_server

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def site_files(root: Path) -> dict[str, str]:
    build_docs(load_project(root))
    out = root / "target" / "docs"
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in out.rglob("*") if p.is_file()}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = write_fixture(tmp_path_factory.mktemp("docs") / "project")
    build_with_results(root)
    return root, site_files(root)


def test_unbuilt_project_still_gets_a_site_with_a_note(make_project):
    files = site_files(make_project(FILES))
    for name in MODELS:
        assert f"model.{name}.html" in files
    for name in SEEDS:
        assert f"seed.{name}.html" in files
    assert 'id="not-built"' in files["index.html"] and "warehouse build" in files["index.html"]
    assert "trade-chart" not in files["index.html"]
    assert "reconciliation.html" not in files  # the report needs the built relation
    figure = files["model.fct_trade_figure.html"]
    assert "not run yet" in text_of(figure)
    seed = files["seed.figures.html"]
    row = text_of(re.search(r'<td id="col-period_start">.*?</tr>', seed).group(0))
    # the seed's column_types, and the column built from it
    assert row.split() == ["period_start", "date", "(declared)", "stg_figures.", "period_start"]


def test_markup_from_yaml_and_seeds_shows_as_text(make_project, built):
    for files in (site_files(make_project(FILES, name="unbuilt")), built[1]):
        for name, html in files.items():
            if name.endswith(".html"):  # the CSV files and the search index hold data as is
                assert SCRIPT not in html, name
    _, files = built
    assert ESCAPED in files["seed.figures.html"]  # the seed's description
    assert ESCAPED in files["reconciliation.html"]  # a seed value, through a model


def test_types_from_the_warehouse_and_test_results(built):
    _, files = built
    page = files["model.fct_trade_estimate.html"]
    rows = dict(re.findall(r'<td id="col-(\w+)"><code>\w+</code></td><td><code>([^<]+)</code>',
                           page))
    assert rows["estimate_usd"] == "DOUBLE" and rows["period_kind"] == "VARCHAR"
    figure = files["model.fct_trade_figure.html"]
    results = re.findall(r"<td><code>(\w+)</code></td><td>(\w+)</td><td>\w*</td><td>\w+</td>"
                         r'<td><span class="status \w+">(\w+)', figure)
    assert {(kind, status) for _, kind, status in results} == {
        ("unique", "pass"), ("not_null", "pass"), ("accepted_values", "warn")}


def test_column_lineage_links_to_upstream_columns(built):
    _, files = built
    page = files["model.fct_trade_estimate.html"]
    row = re.search(r'<td id="col-estimate_low_usd">.*?</tr>', page).group(0)
    assert re.findall(r'href="([^"]+)"', row) == ["model.fct_trade_figure.html#col-value_low"]
    kind_row = re.search(r'<td id="col-period_kind">.*?</tr>', page).group(0)
    assert "no upstream column" in kind_row
    assert 'id="col-value_low"' in files["model.fct_trade_figure.html"]


def test_index_graph_links_every_node_and_layers_flow_right(built):
    _, files = built
    index = files["index.html"]
    links = set(re.findall(r'<a class="node" href="([^"]+)"', index))
    assert links == {f"model.{m}.html" for m in MODELS} | {f"seed.{s}.html" for s in SEEDS}
    assert all(name in files for name in links)


def test_report_lists_every_check_inconsistent_first(built):
    _, files = built
    statuses = re.findall(r'<tr id="check-\w+" class="\w+" data-status="(\w+)".*?'
                          r'<td data-label="check" class="check"><code>(\w+)</code>',
                          files["reconciliation.html"])
    assert statuses == [("inconsistent", "b_growth"), ("unverifiable", "c_multi"),
                        ("consistent", "a_same")]


def test_trade_chart_draws_each_trade_value_figure_and_estimate(built):
    _, files = built
    index = files["index.html"]
    chart = re.search(r'<div class="chart-panels" id="trade-chart".*?</div>', index).group(0)
    figures = re.findall(r'<circle class="figure"[^>]*data-tip="(f\d)', chart)
    assert sorted(figures) == ["f1", "f2", "f3", "f4"]  # f5 is a growth rate, not a value
    assert chart.count('class="estimate"') == 3  # 2024 total, 2025 total, 2025 vn_to_la
    assert "USD bn" in chart and "Vietnam → Laos" in chart  # axis title, legend
    commodities = re.search(r'<svg class="chart" id="commodity-chart".*?</svg>', index).group(0)
    assert "Mineral products" in commodities and "Laos → Vietnam" in commodities
    assert f"Coal {ESCAPED}" in commodities  # a seed value in a tooltip
    assert "more than &lt;b&gt;2 bn&lt;/b&gt;" in chart and "<b>2 bn" not in chart


def test_open_interval_is_an_arrow_and_ticks_are_round():
    figure = {"figure_id": "x", "source_id": "s", "period_id": "2024", "flow": "total",
              "period_start": date(2024, 1, 1), "period_end": date(2024, 12, 31),
              "value": 2e9, "value_low": 2e9, "value_high": None}
    svg = trade_chart([figure], [])
    assert "stroke-dasharray" in svg and "interval USD 2 bn–open" in svg
    assert nice_ticks(2.7) == [0.0, 1.0, 2.0, 3.0]
    assert nice_ticks(340) == [0, 100, 200, 300, 400]


def test_columns_are_layers_in_the_order_data_flows():
    """Marts sit in one column at the right whatever their depth; a layer comes before the
    layers that read it; each node is drawn once and each edge once."""
    seed, stg, deep, mart_a, mart_b = (NodeId(NodeKind.SEED, "s"), *(
        NodeId(NodeKind.MODEL, n) for n in ("stg", "int_deep", "m_shallow", "m_deep")))
    order = [seed, stg, mart_a, deep, mart_b]
    parents = {stg: (seed,), mart_a: (stg,), deep: (stg,), mart_b: (deep,)}
    layer = {seed: "seed", stg: "staging", deep: "intermediate", mart_a: "marts",
             mart_b: "marts"}
    layout = arrange(order, parents, layer)
    assert layout.column_layer == ("seed", "staging", "intermediate", "marts")
    assert set(layout.columns[3]) == {mart_a, mart_b}
    svg = lineage_svg(order, parents, layer, lambda n: f"{n.name}.html")
    assert svg.count('<a class="node"') == 5 and svg.count("<path data-from") == 4
    assert re.findall(r'<g class="layer-heads".*?</g>', svg)[0].count("<text") == 4


def test_node_order_removes_crossings():
    """Two chains drawn crossed at first (a1 over b1, but b2 over a2) come out uncrossed."""
    a1, b1 = NodeId(NodeKind.SEED, "a1"), NodeId(NodeKind.SEED, "b1")
    b2, a2 = NodeId(NodeKind.MODEL, "a_b2"), NodeId(NodeKind.MODEL, "b_a2")  # names sort b2 first
    order = [a1, b1, b2, a2]
    parents = {a2: (a1,), b2: (b1,)}
    layer = {a1: "seed", b1: "seed", a2: "marts", b2: "marts"}
    edges = [(a1, a2), (b1, b2)]
    assert crossings([[a1, b1], [b2, a2]], edges) == 1
    layout = arrange(order, parents, layer)
    assert layout.crossings == 0 == crossings(layout.columns, edges)


def test_served_on_loopback(built):
    import threading

    root, _ = built
    server = make_server(root / "target" / "docs", 0)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200 and 'id="lineage-graph"' in response.read().decode()
    finally:
        server.shutdown()
        server.server_close()


def test_cli_writes_the_site(make_project, cli):
    root = make_project(FILES)
    result = cli(root, "docs")
    assert result.code == 0, result.text
    assert "wrote" in result.out and "warehouse build" in result.out
    assert (root / "target" / "docs" / "index.html").is_file()


def test_chart_leaves_out_rows_it_cannot_place():
    good = {"figure_id": "g", "source_id": "s", "period_id": "2024", "flow": "total",
            "period_start": date(2024, 1, 1), "period_end": date(2024, 12, 31),
            "value": 2e9, "value_low": 1.9e9, "value_high": 2.1e9}
    odd = [dict(good, figure_id="t", period_start="2024-01-01"),
           dict(good, figure_id="u", flow="re_export"), dict(good, figure_id="v", value="2 bn")]
    svg = trade_chart([good, *odd], [])
    assert re.findall(r'class="figure"[^>]*data-tip="(\w)', svg) == ["g"]
    assert trade_chart(odd, []) == ""


def test_source_gets_a_page_with_its_declared_columns(make_project):
    files = site_files(make_project({
        "models/sources.yml": """
            sources:
              - name: crm
                schema: raw
                description: The CRM's export.
                tables:
                  - name: orders
                    description: One row per order <b>placed</b>.
                    columns:
                      - name: order_id
                        description: Order key.
                        data_type: integer
            """,
        "models/orders.sql": "select order_id from {{ source('crm', 'orders') }}",
    }))
    page = files["source.crm.orders.html"]
    assert "One row per order &lt;b&gt;placed&lt;/b&gt;." in page
    row = text_of(re.search(r'<td id="col-order_id">.*?</tr>', page).group(0))
    assert row.split() == ["order_id", "integer", "(declared)", "Order", "key.", "orders.",
                           "order_id"]
    model = files["model.orders.html"]
    assert 'href="source.crm.orders.html#col-order_id"' in model


def test_a_busy_port_is_a_usage_error(tmp_path):
    import socket

    from warehouse.core.errors import UsageError
    from warehouse.serve.docs.serve import serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(UsageError, match="cannot serve on 127.0.0.1") as caught:
            serve(tmp_path, busy.getsockname()[1])
    assert "--port" in str(caught.value)


def test_columns_list_what_is_built_from_them(built):
    _, files = built
    row = re.search(r'<td id="col-value_low">.*?</tr>', files["seed.figures.html"]).group(0)
    assert re.findall(r'href="([^"]+)"', row) == ["model.stg_figures.html#col-value_low"]
    row = re.search(r'<td id="col-value_low">.*?</tr>', files["model.fct_trade_figure.html"])
    used = re.findall(r'href="([^"]+)"', row.group(0).split('class="used-by"')[1])
    assert used == ["model.fct_trade_estimate.html#col-estimate_low_usd",
                    "model.fct_trade_estimate.html#col-estimate_usd"]


def test_index_counts_each_test_once_by_last_result(built, make_project):
    _, files = built
    assert re.findall(r'<span class="status \w+">(\d+ [\w ]+)</span>', files["index.html"]) == [
        "2 pass", "1 warn"]
    unbuilt = site_files(make_project(FILES, name="unbuilt"))["index.html"]
    assert "3 not run yet" in unbuilt
