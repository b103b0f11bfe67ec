"""Every kind of consistency check explains itself in one sentence an analyst can act on.

One synthetic project (invented reports, not taken from any source) is built once and
reaches every check kind; each kind's sentence is compared whole, so a change in how
values, intervals, declines, open gaps or sources are written shows up here.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_trade_reports import figure, project_with, source
from wh_helpers import REPO, build

SOURCES = [source("s_vn", "2021-02-01"), source("s_vn2", "2021-03-01"),
           source("s_la", "2021-02-15"), source("s_est", "2020-11-20"),
           source("s_early", "2020-06-01"), source("s_news", "2021-04-01")]

FIGURES = [
    # 2019: two Vietnamese reports agree, one repeats itself, the Lao statistics differ
    figure("s_vn", "2019", "1.5", reporter="vn", figure_id="vn_2019"),
    figure("s_vn", "2019", "1.4", qualifier="over", paragraph="5", reporter="vn",
           figure_id="vn_2019_over"),
    figure("s_vn2", "2019", "1.5", reporter="vn", figure_id="vn2_2019"),
    figure("s_la", "2019", "1.9", reporter="la", figure_id="la_2019"),
    # flows and balance beside a total
    figure("s_vn2", "2019", "0.9", flow="vn_to_la", reporter="vn", figure_id="vn2_2019_ex"),
    figure("s_vn2", "2019", "0.6", flow="la_to_vn", reporter="vn", figure_id="vn2_2019_im"),
    figure("s_vn2", "2019", "300", unit="usd_million", measure="trade_balance", reporter="vn",
           figure_id="vn2_2019_bal"),
    # 2020: an estimate revised by the final figure, a decline, a change in dollars
    figure("s_est", "2020", "1.2", status="estimate", reporter="vn", figure_id="est_2020"),
    figure("s_vn", "2020", "1.3", reporter="vn", figure_id="vn_2020"),
    figure("s_vn", "2020", "-13.3", unit="percent", measure="growth_yoy_pct", base="2019",
           reporter="vn", figure_id="vn_2020_growth"),
    figure("s_news", "2020", "-200", unit="usd_million", measure="change_value", base="2019",
           figure_id="news_2020_change"),
    # a part of 2020, and a final 2020 figure dated before the year was over
    {**figure("s_vn2", "2020", "1.0", reporter="vn", figure_id="vn2_2020_9m"),
     "period_end": "2020-09-30"},
    figure("s_early", "2020", "1.3", qualifier="about", figure_id="early_2020"),
    # 2017-2018: a growth rate with no value beside it that the values contradict, and an
    # open "at least" that is too high
    figure("s_vn2", "2017", "1.0", reporter="vn", figure_id="vn2_2017"),
    figure("s_vn2", "2018", "1.4", reporter="vn", figure_id="vn2_2018"),
    figure("s_news", "2018", "20", unit="percent", qualifier="about",
           measure="growth_yoy_pct", base="2017", figure_id="news_2018_growth"),
    figure("s_news", "2017", "1.1", qualifier="at least", figure_id="news_2017_least"),
    # a three-year total, its yearly average, a ratio, a claim, a count
    {**figure("s_vn", "2017", "3.9", reporter="vn", figure_id="vn_3y"),
     "period_end": "2019-12-31"},
    {**figure("s_vn", "2017", "1.3", measure="avg_annual_trade_value", reporter="vn",
              figure_id="vn_3y_avg"), "period_end": "2019-12-31"},
    figure("s_vn2", "2019", "1.5", unit="times", measure="ratio_to_base_period", base="2017",
           reporter="vn", figure_id="vn2_ratio"),
    figure("s_vn2", "2019", "1.45", qualifier="over", claim="first_time_above",
           reporter="vn", figure_id="vn2_2019_claim", paragraph="7"),
    figure("s_vn", "2019", "12", unit="count", measure="count", subject="delegations",
           figure_id="vn_2019_count"),
    figure("s_vn", "2025", "3", measure="target_value", status="target", figure_id="vn_target"),
]


EXPECTED = {
    'average_vs_total:2017-01-01..2019-12-31:total:s_vn':
        ('2017-01-01..2019-12-31 two-way trade, yearly average: s_vn states USD 1.3 bn '
         '(USD 1.25–1.35 bn) but its total of USD 3.9 bn over 3 years gives USD '
         '1.2842–1.3176 bn a year (the intervals overlap), or USD 1.2833–1.3167 bn over '
         'its 3 calendar years (the intervals overlap).'),
    'balance_vs_flows:2019:s_vn2~s_vn2+s_vn2':
        ('2019 two-way trade balance: s_vn2 states a balance of USD 300 M (USD '
         '299.5–300.5 M); VN→LA USD 0.9 bn (s_vn2) minus LA→VN USD 0.6 bn (s_vn2) gives '
         'USD 200–400 M; the intervals overlap.'),
    'change_vs_values:news_2020_change~s_early+s_la':
        ('2020 two-way trade change: s_news says down USD 200 M from 2019 (USD −200.5 to '
         '−199.5 M); s_early gives about USD 1.3 bn for 2020 and s_la gives USD 1.9 bn '
         'for 2019, a fall of USD 450–750 M; gap USD 249.5–550.5 M.'),
    'change_vs_values:news_2020_change~s_vn+s_vn':
        ('2020 two-way trade change: s_news says down USD 200 M from 2019 (USD −200.5 to '
         '−199.5 M); s_vn gives USD 1.3 bn for 2020 and s_vn gives USD 1.5 bn and more '
         'than USD 1.4 bn for 2019, a fall of USD 100–300 M; the intervals overlap.'),
    'claim:first_time_above:vn2_2019_claim':
        ('2019 two-way trade: s_vn2 (vn2_2019_claim) says it was above USD 1.45 bn for '
         'the first time; the warehouse has USD 1.45–1.47 bn for 2019 and, for earlier '
         'periods of the same kind, 2017 USD 0.95–1.05 bn, 2018 USD 1.35–1.45 bn; the '
         'claim holds for every period the warehouse has.'),
    'components:2019:s_vn2':
        ('2019 two-way trade, s_vn2: VN→LA USD 0.9 bn (USD 850–950 M) plus LA→VN USD 0.6 '
         'bn (USD 550–650 M) gives USD 1.4–1.6 bn, against a total of USD 1.5 bn and '
         'more than USD 1.45 bn (USD 1.45–1.47 bn); the intervals overlap.'),
    'components:2019:s_vn~s_vn2+s_vn2':
        ('2019 two-way trade: VN→LA USD 0.9 bn (s_vn2: USD 850–950 M) plus LA→VN USD 0.6 '
         'bn (s_vn2: USD 550–650 M) gives USD 1.4–1.6 bn, against a total of USD 1.5 bn '
         'and more than USD 1.4 bn (s_vn: USD 1.45–1.55 bn); the intervals overlap.'),
    'cumulative:2020:total:2020-9M<=2020:s_vn2~s_vn':
        ('2020-9M two-way trade against 2020: s_vn2 gives USD 1.0 bn (USD 0.95–1.05 bn) '
         'for 2020-9M, s_vn gives USD 1.3 bn (USD 1.25–1.35 bn) for 2020; the longer '
         'period can hold the shorter one.'),
    'growth_vs_prior:vn_2020_growth~s_vn':
        ('2019 two-way trade: s_vn gives USD 1.3 bn for 2020, down 13.3% (down '
         '13.25–13.35%), which implies USD 1.4409–1.558 bn for 2019; s_vn states USD 1.5 '
         'bn and more than USD 1.4 bn (USD 1.45–1.55 bn); the intervals overlap (the two '
         'values together mean a fall of 6.9–19.35%).'),
    'growth_vs_values:news_2018_growth~s_vn2+s_news':
        ('2018 two-way trade growth: s_news says up about 20% from 2017 (19–21%); s_vn2 '
         'gives USD 1.4 bn for 2018 and s_news gives at least USD 1.1 bn for 2017, a '
         'change of ≤ 31.82%; the intervals overlap.'),
    'growth_vs_values:news_2018_growth~s_vn2+s_vn2':
        ('2018 two-way trade growth: s_news says up about 20% from 2017 (19–21%); s_vn2 '
         'gives USD 1.4 bn for 2018 and s_vn2 gives USD 1.0 bn for 2017, growth of '
         '28.57–52.63%; gap 7.57–33.63%.'),
    'growth_vs_values:vn_2020_growth~s_vn+s_vn2':
        ('2020 two-way trade growth: s_vn (Vietnamese figures) says down 13.3% from 2019 '
         '(down 13.25–13.35%); s_vn gives USD 1.3 bn for 2020 and s_vn2 gives USD 1.5 bn '
         'and more than USD 1.45 bn for 2019, a fall of 6.9–14.97%; the intervals '
         'overlap.'),
    'multi_year:2017-01-01..2019-12-31:total:s_vn:vn':
        ('2017-01-01..2019-12-31 two-way trade: s_vn gives USD 3.9 bn (USD 3.85–3.95 '
         'bn); the periods inside it: 2017 USD 0.95–1.05 bn (s_vn2), 2018 USD 1.35–1.45 '
         'bn (s_vn2), 2019 USD 1.45–1.47 bn (s_vn,s_vn2); they add up to USD 3.75–3.97 '
         'bn, which fits.'),
    'published_early:early_2020':
        ('s_early is dated 2020-06-01 but gives about USD 1.3 bn (early_2020) for 2020, '
         'which ran to 2020-12-31; a final figure for a period not yet over can only be '
         'partial or an estimate (mark it status estimate if the report says so).'),
    'ratio:vn2_ratio':
        ('2019 two-way trade: s_vn2 states 1.5 times (1.45–1.55 times) the level of '
         '2017; the warehouse has USD 1.45–1.47 bn against USD 0.95–1.05 bn, a ratio of '
         '1.38–1.55 times; the intervals overlap.'),
    'reporter_gap:2019:total:trade_value:s_la~s_vn:la~vn':
        ('2019 two-way trade: s_la (Lao figures) says USD 1.9 bn (USD 1.85–1.95 bn), '
         's_vn (Vietnamese figures) says USD 1.5 bn and more than USD 1.4 bn (USD '
         "1.45–1.55 bn); gap USD 300–500 M; these are different reporters' statistics, "
         'which differ by nature.'),
    'revision:2020:total:trade_value:s_est~s_vn:estimate~final':
        ('2020 two-way trade: s_est (Vietnamese figures, estimate) says USD 1.2 bn (USD '
         '1.15–1.25 bn), s_vn (Vietnamese figures) says USD 1.3 bn (USD 1.25–1.35 bn); '
         'the intervals overlap; the final figure supersedes the estimate.'),
    'same_figure:2017:total:trade_value:s_news~s_vn2:unstated~vn':
        ('2017 two-way trade: s_news says at least USD 1.1 bn (USD ≥ 1.1 bn), s_vn2 '
         '(Vietnamese figures) says USD 1.0 bn (USD 0.95–1.05 bn); gap of at least USD '
         '50 M.'),
    'same_figure:2019:total:trade_value:s_vn~s_vn2':
        ('2019 two-way trade: s_vn (Vietnamese figures) says USD 1.5 bn and more than '
         'USD 1.4 bn (USD 1.45–1.55 bn), s_vn2 (Vietnamese figures) says USD 1.5 bn and '
         'more than USD 1.45 bn (USD 1.45–1.47 bn); the intervals overlap.'),
    'unchecked:vn_2019_count':
        ('2019 two-way delegations: s_vn says 12 (vn_2019_count); no check compares '
         'counts yet.'),
    'unchecked:vn_target':
        ('2025 two-way trade target: s_vn says USD 3 bn (vn_target); a target is not a '
         'measured value, so no figure can confirm or contradict it.'),
    'within_source:2019:total:trade_value:s_vn:vn':
        ('2019 two-way trade: s_vn states USD 1.5 bn (vn_2019, paragraph 2) and more '
         'than USD 1.4 bn (vn_2019_over, paragraph 5); together they allow USD 1.45–1.55 '
         'bn.'),
}


def check_kinds_declared() -> set[str]:
    """The check kinds rpt_consistency_check accepts, read from its property file, so a new
    kind without a sentence here fails the first test below."""
    import yaml

    marts = yaml.safe_load((REPO / "models" / "marts" / "_trade_marts.yml").read_text("utf-8"))
    model = next(m for m in marts["models"] if m["name"] == "rpt_consistency_check")
    column = next(c for c in model["columns"] if c["name"] == "check_kind")
    return set(next(t["accepted_values"]["values"] for t in column["data_tests"]
                    if isinstance(t, dict) and "accepted_values" in t))


@pytest.fixture(scope="module")
def explanations(tmp_path_factory) -> dict[str, str]:
    root: Path = project_with(tmp_path_factory.mktemp("explain"), SOURCES, FIGURES)
    result, out = build(root, threads=1)
    # the invented reports disagree on purpose: the build fails and keeps its file
    db = root / "target" / "failed_build.duckdb"
    assert result.exit_code == 1 and db.exists(), out
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("select check_id, explanation from marts.rpt_consistency_check")
                    .fetchall())
    finally:
        con.close()


def test_the_project_reaches_every_check_kind(explanations):
    reached = {check_id.split(":", 1)[0] for check_id in explanations}
    assert reached == check_kinds_declared()
    assert {k.split(":", 1)[0] for k in EXPECTED} == check_kinds_declared()


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_each_check_explains_itself(explanations, check_id):
    assert explanations.get(check_id) == EXPECTED[check_id]


def test_no_sentence_prints_a_raw_negative_range_or_a_growth_of_down(explanations):
    for sentence in explanations.values():
        assert "–-" not in sentence and "–−" not in sentence and " -" not in sentence, sentence
        assert "growth of down" not in sentence and "change of down" not in sentence, sentence


@pytest.mark.parametrize(("value", "digits", "written"), [
    (2.255, 2, "2.26"), (-2.255, 2, "−2.26"), (0.125, 2, "0.13"), (1.5, 4, "1.5"),
    (-0.0001, 2, "0"), (2.0, 2, "2")])
def test_numbers_round_half_away_from_zero_as_written(value, digits, written):
    """2.255 reads 2.26 on every engine: printf of the double alone gives 2.25 in DuckDB
    (its binary value is 2.25499…) and 2.26 on Spark."""
    import jinja2

    macros = jinja2.Environment().from_string(
        (REPO / "macros" / "trade_macros.sql").read_text(encoding="utf-8")).module
    sql = macros.trade_fmt_num("x", digits)
    assert duckdb.execute(f"select {sql} from (select {value}::double as x)").fetchall() == [
        (written,)]
