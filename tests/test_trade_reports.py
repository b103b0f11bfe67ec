"""The trade models on small synthetic reports (written here, not taken from any source).

Each test builds a copy of the project whose reports are replaced by a few invented ones,
and reads the marts: reporter gaps and revisions are findings, not errors; estimates follow
one reporter's latest final figures; the disagreements between derived values that used to
be missed are flagged, and the two former false alarms are not; a report with only the
required columns builds.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from wh_helpers import build, copy_real_project, rows

FIGURE_COLUMNS = ["figure_id", "source_id", "paragraph", "value", "unit", "qualifier",
                  "period_start", "period_end", "flow", "measure", "subject", "reporter",
                  "status", "base_period_start", "base_period_end", "commodity_hs", "gate_id",
                  "claim", "other_paragraphs", "note"]
SOURCE_COLUMNS = ["source_id", "publisher", "title", "file_name", "url", "published_on",
                  "author", "published_on_as_written", "published_not_before",
                  "paragraph_count", "paragraph_rule", "notes"]
YEAR = {str(y): (f"{y}-01-01", f"{y}-12-31") for y in range(2014, 2027)}


def csv_text(columns: list[str], records: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: record.get(k, "") for k in columns})
    return out.getvalue()


def source(source_id: str, published_on: str = "", **extra: str) -> dict[str, str]:
    return {"source_id": source_id, "publisher": "Synthetic Press",
            "title": f"Synthetic report {source_id}",
            "url": f"https://example.org/{source_id}", "published_on": published_on, **extra}


def figure(source_id: str, year: str, value: str, *, flow: str = "total",
           measure: str = "trade_value", unit: str = "usd_billion", qualifier: str = "",
           paragraph: str = "2", base: str | None = None, **extra: str) -> dict[str, str]:
    start, end = YEAR[year]
    row = {"source_id": source_id, "paragraph": paragraph, "value": value, "unit": unit,
           "qualifier": qualifier, "period_start": start, "period_end": end, "flow": flow,
           "measure": measure, **extra}
    if base is not None:
        row["base_period_start"], row["base_period_end"] = YEAR[base]
    return row


def project_with(tmp_path: Path, sources: list[dict], figures: list[dict],
                 acknowledged: tuple[str, ...] = ()) -> Path:
    root = copy_real_project(tmp_path / "project")
    seeds = root / "seeds"
    with (seeds / "sources.csv").open("a", encoding="utf-8", newline="") as handle:
        # the reference seeds (gates, provinces, events) cite the documents already there
        handle.write(csv_text(SOURCE_COLUMNS, sources).split("\n", 1)[1])
    (seeds / "reported_figures.csv").write_text(csv_text(FIGURE_COLUMNS, figures),
                                                encoding="utf-8")
    (seeds / "known_discrepancies.csv").write_text(csv_text(
        ["check_id", "explanation"],
        [{"check_id": c, "explanation": "Acknowledged in a test."} for c in acknowledged]),
        encoding="utf-8")
    return root


def checks(root: Path, where: str = "true") -> dict[str, tuple[str, str, str]]:
    """check_id -> (check_kind, severity, status)."""
    return {r[0]: r[1:] for r in rows(root, "select check_id, check_kind, severity, status "
                                            f"from marts.rpt_consistency_check where {where}")}


def built(root: Path) -> str:
    result, out = build(root, threads=1)
    assert result.exit_code == 0, out
    return out


def estimate(root: Path, year: str, flow: str = "total") -> tuple:
    found = rows(root, "select estimate_usd, reporter, reporter_reason, agreeing_source_ids, "
                       "outlier_source_ids from marts.fct_trade_estimate "
                       f"where period_id = '{year}' and flow = '{flow}'")
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- reporters


def test_two_reporters_in_one_report_give_a_reporter_gap_and_no_midpoint(tmp_path):
    root = project_with(tmp_path, [source("rep_a", "2020-03-01")], [
        figure("rep_a", "2019", "1.68", reporter="la"),
        figure("rep_a", "2019", "1.1", reporter="vn"),
    ])
    built(root)
    gap = checks(root, "check_kind = 'reporter_gap'")
    assert list(gap.values()) == [("reporter_gap", "info", "inconsistent")]
    assert not checks(root, "check_kind in ('same_figure', 'within_source')")
    value, reporter, reason, agreeing, outliers = estimate(root, "2019")
    assert (value, reporter) == (1.1e9, "vn")  # the preferred reporter, never 1.39 bn
    assert "headline_reporter" in reason
    by_reporter = rows(root, "select reporter, estimate_usd, is_headline from "
                             "marts.fct_trade_estimate_by_reporter where period_id = '2019' "
                             "order by reporter")
    assert by_reporter == [("la", 1.68e9, False), ("vn", 1.1e9, True)]


def test_an_unstated_figure_matching_one_reporter_is_not_an_error_against_the_other(tmp_path):
    root = project_with(tmp_path, [source("rep_a", "2020-03-01"), source("rep_b", "2020-04-01")], [
        figure("rep_a", "2019", "1.68", reporter="la"),
        figure("rep_a", "2019", "1.1", reporter="vn"),
        figure("rep_b", "2019", "1.1"),
    ])
    built(root)
    kinds = {v[0] for v in checks(root, "status = 'inconsistent'").values()}
    assert kinds == {"reporter_gap"}
    value, reporter, reason, agreeing, outliers = estimate(root, "2019")
    assert (value, reporter, agreeing) == (1.1e9, "vn", "rep_a")


def test_the_headline_follows_the_reporter_most_sources_agree_on(tmp_path):
    root = project_with(tmp_path, [source(s, "2020-03-01") for s in ("rep_a", "rep_b", "rep_c")], [
        figure("rep_a", "2019", "1.68", reporter="la"),
        figure("rep_b", "2019", "1.68", reporter="la"),
        figure("rep_c", "2019", "1.1", reporter="vn"),
    ])
    built(root)
    value, reporter, reason, agreeing, outliers = estimate(root, "2019")
    assert (value, reporter, reason, agreeing) == (1.68e9, "la", "most agreeing sources (2)",
                                                   "rep_a,rep_b")


# --------------------------------------------------------------------------- revisions


def test_an_estimate_then_a_final_figure_is_a_revision_and_the_mart_follows_the_final(tmp_path):
    sources = [source("rep_jan", "2023-01-11"), source("rep_jun", "2023-06-20")]
    root = project_with(tmp_path, sources, [
        figure("rep_jan", "2022", "1.63", status="preliminary"),
        figure("rep_jan", "2022", "34", unit="percent", qualifier="nearly",
               measure="growth_yoy_pct", base="2021", status="estimate"),
        figure("rep_jun", "2022", "1.70"),
        figure("rep_jun", "2022", "38", unit="percent", measure="growth_yoy_pct", base="2021"),
    ])
    built(root)  # the estimates disagree with the final figures: findings, not errors
    revisions = checks(root, "check_kind = 'revision'")
    assert {v for v in revisions.values()} == {("revision", "info", "inconsistent")}
    assert len(revisions) == 2  # the value and the growth rate
    value, reporter, reason, agreeing, outliers = estimate(root, "2022")
    assert (value, agreeing) == (1.7e9, "rep_jun")  # the later, final figure


def test_a_target_and_an_estimate_are_never_published_early(tmp_path):
    root = project_with(tmp_path, [source("rep_a", "2019-06-01")], [
        figure("rep_a", "2020", "2", status="target", measure="target_value"),
        figure("rep_a", "2019", "1.2", status="estimate"),
        figure("rep_a", "2019", "1.1"),  # final, for a year not over: flagged
    ])
    built(root)
    early = checks(root, "check_kind = 'published_early'")
    assert len(early) == 1 and next(iter(early)).endswith(
        rows(root, "select figure_id from marts.fct_trade_figure where status = 'final'")[0][0])


# --------------------------------------------------------------------------- missed patterns


def test_one_sources_flows_against_another_sources_total(tmp_path):
    sources = [source("rep_flows", "2023-02-01"), source("rep_total", "2023-03-01")]
    root = project_with(tmp_path, sources, [
        figure("rep_flows", "2022", "900", unit="usd_million", flow="vn_to_la"),
        figure("rep_flows", "2022", "795", unit="usd_million", flow="la_to_vn"),
        figure("rep_total", "2022", "1.63"),
    ])
    result, out = build(root, threads=1)
    assert result.exit_code == 1, out
    assert "components:2022:rep_total~rep_flows+rep_flows" in out, out


def test_flows_against_an_over_that_is_far_too_low(tmp_path):
    sources = [source("rep_la", "2019-02-01"), source("rep_news", "2019-03-01")]
    root = project_with(tmp_path, sources, [
        figure("rep_la", "2018", "0.421", flow="vn_to_la", reporter="la"),
        figure("rep_la", "2018", "0.855", flow="la_to_vn", reporter="la"),
        figure("rep_news", "2018", "1.03", qualifier="over"),
    ])
    result, out = build(root, threads=1)
    assert result.exit_code == 1, out
    assert "components:2018:rep_news~rep_la+rep_la" in out, out


def test_a_stated_decline_with_no_value_beside_it_against_other_sources_values(tmp_path):
    root = project_with(tmp_path, [source(s, "2017-03-01") for s in ("rep_a", "rep_b")], [
        figure("rep_a", "2016", "-20", unit="percent", qualifier="about",
               measure="growth_yoy_pct", base="2015"),
        figure("rep_b", "2015", "1.13"),
        figure("rep_b", "2016", "0.829"),
    ])
    result, out = build(root, threads=1)
    assert result.exit_code == 1, out
    assert "growth_vs_values:" in out and "down about 20%" in out, out


def test_an_estimate_the_final_figures_rule_out_is_flagged(tmp_path):
    fig = figure("rep_nov", "2019", "12.6", unit="percent", measure="growth_yoy_pct",
                 base="2018", status="estimate", figure_id="f_nov_growth")
    sources = [source("rep_nov", "2019-11-20"), source("rep_final", "2020-02-01")]
    root = project_with(tmp_path, sources, [
        fig,
        figure("rep_final", "2018", "1.00"),
        figure("rep_final", "2019", "1.04"),
    ])
    built(root)  # an estimate: a finding (info), not an error
    flagged = checks(root, "check_kind = 'growth_vs_values'")
    assert flagged == {"growth_vs_values:f_nov_growth~rep_final+rep_final":
                       ("growth_vs_values", "info", "inconsistent")}


# --------------------------------------------------------------------------- false alarms


def test_nearly_780_million_and_775_million_agree(tmp_path):
    root = project_with(tmp_path, [source(s, "2021-03-01") for s in ("rep_a", "rep_b")], [
        figure("rep_a", "2020", "780", unit="usd_million", qualifier="nearly"),
        figure("rep_b", "2020", "775", unit="usd_million"),
    ])
    built(root)
    assert {v[2] for v in checks(root, "check_kind = 'same_figure'").values()} == {"consistent"}


# --------------------------------------------------------------------------- intake


def test_a_report_with_only_the_required_columns_builds(tmp_path):
    minimal_source = {"source_id": "rep_min", "publisher": "Synthetic Press",
                      "title": "A report with nothing else",
                      "url": "https://example.org/min"}
    minimal = [{"source_id": "rep_min", "paragraph": "3", "value": "2.1", "unit": "usd_billion",
                "qualifier": "about", "period_start": "2023-01-01", "period_end": "2023-12-31",
                "flow": "total", "measure": "trade_value"},
               {"source_id": "rep_min", "paragraph": "3", "value": "-5", "unit": "percent",
                "qualifier": "", "period_start": "2023-01-01", "period_end": "2023-12-31",
                "flow": "total", "measure": "growth_yoy_pct",
                "base_period_start": "2022-01-01", "base_period_end": "2022-12-31"}]
    root = project_with(tmp_path, [minimal_source], minimal)
    built(root)
    figures = rows(root, "select figure_id, value, reporter, status, published_on "
                         "from marts.fct_trade_figure order by value")
    assert [f[1:] for f in figures] == [(-5.0, "unstated", "final", None),
                                        (2.1e9, "unstated", "final", None)]
    assert all(f[0].startswith("f_rep_min_3_") for f in figures)
    # no publication date: nothing is flagged as early, and nothing is guessed
    early = checks(root, "check_kind = 'published_early'")
    assert {v[2] for v in early.values()} <= {"unverifiable"}
    # every figure appears in some check, or in a row saying why it cannot be checked
    covered = rows(root, "select count(*) from marts.fct_trade_figure f where not exists ("
                         "select 1 from marts.rpt_consistency_check c "
                         "where list_contains(string_split(c.figure_ids, ','), f.figure_id))")
    assert covered == [(0,)]


@pytest.mark.parametrize("qualifier, value, low, high", [
    ("over", "1.03", 1.03e9, 1.05e9),
    ("at least", "5", 5e9, None),
    ("nearly", "780", 775e6, 780e6),
    ("up to", "2", 0.0, 2e9),
    ("about", "1.8", 1.7e9, 1.9e9),
    ("", "2.25", 2.245e9, 2.255e9),
])
def test_each_qualifier_word_reads_as_its_rule(tmp_path, qualifier, value, low, high):
    unit = "usd_million" if value == "780" else "usd_billion"
    root = project_with(tmp_path, [source("rep_a", "2021-03-01")],
                        [figure("rep_a", "2020", value, unit=unit, qualifier=qualifier)])
    built(root)
    found = rows(root, "select value_low, value_high from marts.fct_trade_figure")
    assert found == [(pytest.approx(low), pytest.approx(high) if high is not None else None)]


def test_every_qualifier_word_propose_writes_has_a_rule():
    """A drafted row must build as proposed: its qualifier word is a row of the rules seed."""
    from warehouse.serve.propose_patterns import BOUNDS, DOWN, UP

    with (Path(__file__).parents[1] / "seeds" / "qualifier_rules.csv").open(encoding="utf-8") as f:
        words = {row["qualifier"] for row in csv.DictReader(f)}
    assert sorted(set(BOUNDS + UP + DOWN) - words) == []
