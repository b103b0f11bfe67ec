"""The docs site in a real headless browser: served on loopback by `warehouse docs --serve`,
and opened from file:// with no network at all.

The browser is Debian's Chromium at /usr/bin/chromium, driven by Playwright. The
machine's network is closed: without the flags below Chromium waits on connections it
tries to open at start-up. A missing browser is installed by scripts/ensure-chromium; if
it is still missing the tests fail (they must not pass by being skipped). The fixtures
live here rather than in a conftest.py, whose module name would shadow tests/conftest.py
for the other test files that import from it.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docs_fixture import MODELS, SEEDS, build_with_results, write_fixture

from warehouse.compile.load import load_project
from warehouse.serve.docs import build_docs

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        script = REPO / "scripts" / "ensure-chromium"
        proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=900)
        print(proc.stdout + proc.stderr)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing and scripts/ensure-chromium could not install it")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = REPO / "target" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_fixture(tmp_path_factory.mktemp("browser") / "project")
    build_with_results(root)
    build_docs(load_project(root))
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(site):
    """`warehouse docs --serve` in a subprocess; yields the URL it prints."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "warehouse.cli", "docs", "--project-dir", str(site), "--serve",
         "--port", str(free_port())],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            found = re.search(r"serving the docs at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)",
                              line)
            url = found.group(1) if found else None
        assert url, "the server did not print its URL"
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class PageWatch:
    """Console errors, uncaught exceptions and failed requests of one page."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"{r.status}: {r.url}"))


def visible_size(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, "element not rendered"
    return box["width"], box["height"]


def check_index(page) -> None:
    width, height = visible_size(page.locator("#lineage-graph"))
    assert width > 300 and height > 100
    nodes = page.locator("#lineage-graph a.node")
    assert nodes.count() == len(MODELS) + len(SEEDS)
    assert all(w > 0 and h > 0 for w, h in (visible_size(nodes.nth(i).locator("rect"))
                                            for i in range(nodes.count())))
    width, height = visible_size(page.locator("#trade-chart"))
    assert width > 300 and height > 150
    assert page.locator("#trade-chart circle.figure").count() == 4
    assert visible_size(page.locator("#trade-chart circle.figure").first)[0] > 0
    assert visible_size(page.locator("#commodity-chart"))[1] > 50


def open_model_from_graph(page, name: str) -> None:
    """Select the node (its upstream and downstream light up), then open its page from the
    panel that selecting shows."""
    page.locator(f'#lineage-graph a.node[data-node="model.{name}"]').click()
    panel = page.locator("#lineage-panel")
    assert panel.is_visible() and panel.locator(".name").inner_text() == name
    panel.locator("a.open").click()
    page.wait_for_url(re.compile(rf"model\.{name}\.html$"))
    assert name in page.locator("h1").inner_text()
    assert page.locator("table.columns tbody tr").count() > 0


def test_served_site_renders_and_navigates(browser, served, screenshots):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watch = PageWatch(page)
    page.goto(served, wait_until="load")
    check_index(page)
    page.screenshot(path=str(screenshots / "docs_index.png"), full_page=True)
    open_model_from_graph(page, "fct_trade_estimate")
    links = page.locator("td.lineage a.col-ref")
    assert links.count() > 0 and "fct_trade_figure" in links.first.inner_text()
    assert page.locator("table.rows tbody tr").count() == 3  # the mart's rows
    csv = page.locator("a.download").get_attribute("href")
    assert csv == "data/fct_trade_estimate.csv"
    page.screenshot(path=str(screenshots / "docs_model.png"), full_page=True)
    links.first.click()
    page.wait_for_url(re.compile(r"model\.fct_trade_figure\.html#col-\w+$"))
    page.goto(served + "reconciliation.html")
    assert page.locator("table.report tbody tr").first.locator(".status").inner_text() == (
        "inconsistent")
    assert "<script>alert(1)</script>" in page.locator("table.report").inner_text()
    assert watch.problems == []
    page.close()


def test_lineage_highlights_what_a_node_reads_and_what_reads_it(browser, site, screenshots):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watch = PageWatch(page)
    page.goto((site / "target" / "docs" / "index.html").as_uri())
    graph = page.locator("#lineage-graph")
    graph.locator('a.node[data-node="model.fct_trade_figure"]').click()
    lit = {graph.locator("a.node.hl").nth(i).get_attribute("data-node")
           for i in range(graph.locator("a.node.hl").count())}
    assert lit == {"seed.figures", "model.stg_figures", "model.fct_trade_figure",
                   "model.fct_trade_estimate"}
    faded = graph.locator('a.node[data-node="model.dim_commodity"]')
    assert float(faded.evaluate("e => getComputedStyle(e).opacity")) < 0.5
    assert graph.locator("path.hl").count() == 3  # seed → stg → figure → estimate
    page.locator("#lineage-graph").screenshot(path=str(screenshots / "docs_lineage.png"))
    width = graph.bounding_box()["width"]
    page.locator("#zoom-in").click()
    assert graph.bounding_box()["width"] > width * 1.4
    page.locator("#zoom-fit").click()
    assert abs(graph.bounding_box()["width"] - width) < 2
    graph.locator('a.node[data-node="model.fct_trade_figure"]').click()  # again: cleared
    assert graph.locator("a.node.hl").count() == 0
    assert watch.problems == []
    page.close()


def test_search_finds_a_column_and_opens_it(browser, site):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watch = PageWatch(page)
    page.goto((site / "target" / "docs" / "seed.checks.html").as_uri())
    page.locator("#search").fill("estimate_low")
    first = page.locator("#search-results a").first
    assert "estimate_low_usd" in first.inner_text() and "column" in first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"model\.fct_trade_estimate\.html#col-estimate_low_usd$"))
    page.locator("#search").fill("growth rate implies")  # words of a check's explanation
    assert "b_growth" in page.locator("#search-results a").first.inner_text()
    page.locator("#search").fill("zzzz no such thing")
    assert page.locator("#search-results").inner_text() == "Nothing found"
    assert watch.problems == []
    page.close()


def test_report_filters_and_sorts(browser, site):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watch = PageWatch(page)
    page.goto((site / "target" / "docs" / "reconciliation.html").as_uri())
    rows = page.locator("table.report tbody tr")

    def shown() -> list[str]:
        return [rows.nth(i).get_attribute("id") for i in range(rows.count())
                if rows.nth(i).is_visible()]

    assert shown() == ["check-b_growth", "check-c_multi", "check-a_same"]
    page.select_option("#filter-status", "unverifiable")
    assert shown() == ["check-c_multi"]
    assert page.locator("#report-count").inner_text() == "1 of 3 checks"
    page.select_option("#filter-status", "")
    page.select_option("#filter-kind", "same_figure")
    assert shown() == ["check-a_same"]
    page.locator("#report-filters button[type=reset]").click()
    page.locator("#report-text").fill("growth rate")
    assert shown() == ["check-b_growth"]
    page.locator("#report-text").fill("")
    page.locator("table.report th button", has_text="check").click()
    assert shown() == ["check-a_same", "check-b_growth", "check-c_multi"]
    assert watch.problems == []
    page.close()


def test_phone_width_has_no_sideways_scroll_and_tips_work_on_touch(browser, site, screenshots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    watch = PageWatch(page)
    docs = site / "target" / "docs"
    for name in ("index.html", "model.fct_trade_estimate.html", "reconciliation.html",
                 "seed.figures.html"):
        page.goto((docs / name).as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.goto((docs / "index.html").as_uri())
    page.locator("#trade-chart circle.figure").first.tap()
    tip = page.locator("#tip")
    assert tip.is_visible() and re.match(r"f\d \(doc_\w\)", tip.inner_text())
    page.screenshot(path=str(screenshots / "docs_phone.png"), full_page=True)
    assert watch.problems == []
    context.close()


def test_site_works_offline_from_file_urls(browser, site):
    context = browser.new_context()
    context.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())  # no network
    page = context.new_page()
    watch = PageWatch(page)
    page.goto((site / "target" / "docs" / "index.html").as_uri(), wait_until="load")
    check_index(page)
    open_model_from_graph(page, "stg_figures")
    assert watch.problems == []
    context.close()
