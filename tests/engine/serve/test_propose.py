"""`warehouse propose`: draft seed rows from a report's text, each recognizer on its own.

The reports here are short made-up texts: each test names the recognizer it
covers and fails when that recognizer is gone (a unit, a qualifier, a period
form, a flow phrase...).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from warehouse.serve.propose import COLUMNS, paragraphs, propose, to_csv, to_table


def rows(text: str) -> list[dict[str, str]]:
    return propose(text, "999_test")[0]


def only(text: str) -> dict[str, str]:
    found = rows(text)
    assert len(found) == 1, found
    return found[0]


def by_value(text: str) -> dict[str, dict[str, str]]:
    return {row["value"]: row for row in rows(text)}


def test_money_in_billions_and_millions_in_either_order():
    found = by_value("Title\nTwo-way trade came to USD 1.42 billion in 2023 and exports to Laos "
                     "to US$615.5 million. Imports from Laos were 0.8 billion USD in 2023.\n")
    assert (found["1.42"]["unit"], found["615.5"]["unit"]) == ("usd_billion", "usd_million")
    assert found["0.8"]["unit"] == "usd_billion"
    assert only("T\nIn 2023, two-way trade hit USD1.2 billion.\n")["unit"] == "usd_billion"
    assert all(row["measure"] == "trade_value" for row in found.values())


def test_other_currencies_are_not_dollars():
    assert rows("Title\nTwo-way trade was worth VND 9,000 billion, or 12,000 billion kip.\n") == []


def test_growth_up_and_down_and_its_sign():
    up = only("T\nIn 2023, bilateral trade rose by 14.5% year-on-year.\n")
    assert (up["value"], up["measure"], up["qualifier"]) == ("14.5", "growth_yoy_pct", "rose by")
    down = only("T\nIn 2023, Lao exports to Viet Nam fell 8 per cent.\n")
    assert (down["value"], down["qualifier"]) == ("-8", "fell")
    assert only("T\nIn 2023, imports from Laos slipped 3 per cent.\n")["value"] == "-3"
    after = only("T\nIn 2023, two-way trade saw a 3.5 percent decline.\n")
    assert after["value"] == "-3.5" and after["qualifier"] == ""


def test_an_absolute_change_is_a_signed_change_value():
    row = only("T\nIn 2022, two-way trade was down USD 166 million on the year before.\n")
    assert (row["value"], row["measure"], row["unit"]) == ("-166", "change_value", "usd_million")


@pytest.mark.parametrize("written, qualifier", [
    ("more than USD 3 billion", "more than"), ("up to USD 3 billion", "up to"),
    ("at least USD 3 billion", "at least"), ("nearly USD 3 billion", "nearly"),
    ("almost USD 3 billion", "almost"), ("around USD 3 billion", "around"),
    ("exceeding the USD 3 billion", "exceeding"), ("USD 3 billion", ""),
])
def test_the_qualifier_is_the_word_before_the_number_as_written(written, qualifier):
    row = only(f"T\nIn 2023, bilateral trade reached {written}.\n")
    assert (row["value"], row["qualifier"]) == ("3", qualifier)


@pytest.mark.parametrize("phrase, start, end", [
    ("in 2024", "2024-01-01", "2024-12-31"),
    ("during the first nine months of 2025", "2025-01-01", "2025-09-30"),
    ("in January-September 2025", "2025-01-01", "2025-09-30"),
    ("in the first quarter of 2021", "2021-01-01", "2021-03-31"),
    ("in Q1 2021", "2021-01-01", "2021-03-31"),
    ("in the first half of 2025", "2025-01-01", "2025-06-30"),
    ("in the second half of 2024", "2024-07-01", "2024-12-31"),
    ("in January 2025", "2025-01-01", "2025-01-31"),
    ("from 2022 to September 2025", "2022-01-01", "2025-09-30"),
    ("since 2022", "2022-01-01", ""),
    ("in 9M 2025", "2025-01-01", "2025-09-30"),
])
def test_periods_written_after_the_figure(phrase, start, end):
    row = only(f"T\nTwo-way trade totalled USD 4.1 billion {phrase}.\n")
    assert (row["period_start"], row["period_end"]) == (start, end)


def test_a_period_before_the_figure_and_a_bare_half_takes_the_year_in_force():
    row = only("T\nFor the first six months of 2024, bilateral turnover was USD 880 million.\n")
    assert (row["period_start"], row["period_end"]) == ("2024-01-01", "2024-06-30")
    later = rows("T\nThe 2024 review was published.\nIn H1, two-way trade was USD 1 billion.\n")
    assert (later[0]["period_start"], later[0]["period_end"]) == ("2024-01-01", "2024-06-30")


def test_a_sentence_without_a_period_inherits_the_paragraphs_and_growth_gets_a_base():
    found = by_value("T\nIn the first quarter of 2023, two-way trade came to USD 410 million. "
                     "Exports to Laos increased by 12%.\nImports from Laos rose by 5%.\n")
    assert (found["12"]["period_start"], found["12"]["period_end"]) == ("2023-01-01",
                                                                      "2023-03-31")
    assert (found["12"]["base_period_start"], found["12"]["base_period_end"]) == (
        "2022-01-01", "2022-03-31")
    assert "carried" not in found["12"]["note"]
    # a later paragraph takes the last period named, and says so for the analyst to confirm
    assert (found["5"]["period_start"], found["5"]["period_end"]) == ("2023-01-01", "2023-03-31")
    assert found["5"]["base_period_start"] == "2022-01-01"
    assert found["5"]["note"].endswith("; period carried over from paragraph 2")


def test_a_report_names_its_statistics_once_and_later_paragraphs_carry_them():
    found = by_value("T\nLao customs data show two-way trade of USD 1.2 billion in 2023.\n"
                     "Exports to Laos were USD 500 million.\n"
                     "Vietnamese figures put 2023 trade at USD 1.1 billion.\n"
                     "Hanoi aims for USD 2 billion of trade by 2030.\n"
                     "The two sides signed 14 agreements on trade.\n")
    assert found["1.2"]["reporter"] == "la" and "carried" not in found["1.2"]["note"]
    assert found["500"]["reporter"] == "la"
    assert found["500"]["note"].endswith(
        "; period carried over from paragraph 2; reporter carried over from paragraph 2")
    assert found["1.1"]["reporter"] == "vn"
    assert found["2"]["status"] == "target" and found["2"]["reporter"] == "vn"
    assert found["14"]["period_start"] == ""  # a count takes no period it does not state


def test_an_explicit_base_period_and_the_same_period_last_year():
    found = by_value("T\nIn 2024, bilateral trade grew 20% compared with 2022, and exports to "
                     "Laos hit USD 700 million, up from USD 560 million in the same period last "
                     "year.\n")
    assert found["20"]["base_period_start"] == "2022-01-01"
    assert (found["560"]["period_start"], found["560"]["period_end"]) == ("2023-01-01",
                                                                        "2023-12-31")
    assert found["700"]["period_start"] == "2024-01-01"


def test_a_from_period_is_a_base_only_after_a_figure():
    found = by_value("T\nThe report looks back from 2024, a year when two-way trade reached "
                     "USD 2.2 billion, up 9% from 2022.\n")
    assert found["2.2"]["period_start"] == "2024-01-01"
    assert found["9"]["base_period_start"] == "2022-01-01"


def test_the_same_period_of_a_named_year_and_a_period_later_in_the_clause():
    found = by_value("T\nIn the first half of 2024, bilateral trade grew 30% compared with the "
                     "same period of 2022.\nTwo-way trade fell 4% to USD 1.1 billion in 2023.\n")
    assert (found["30"]["base_period_start"], found["30"]["base_period_end"]) == (
        "2022-01-01", "2022-06-30")
    assert (found["-4"]["period_start"], found["-4"]["base_period_start"]) == (
        "2023-01-01", "2022-01-01")


def test_this_period_refers_back_to_the_last_period_of_the_report():
    found = by_value("T\nIn the first half of 2024, two-way trade was USD 1.2 billion.\n"
                     "During this period, imports from Laos reached USD 700 million.\n")
    assert (found["700"]["period_start"], found["700"]["period_end"]) == ("2024-01-01",
                                                                        "2024-06-30")


def test_no_period_for_the_coming_years_even_when_the_paragraph_named_one():
    found = by_value("T\nIn 2024, two-way trade was USD 2 billion. It is expected to reach "
                     "USD 4 billion in the next few years.\n")
    assert (found["4"]["period_start"], found["4"]["status"]) == ("", "estimate")


def test_the_period_named_later_in_the_sentence_refers_back():
    found = by_value("T\nIn Q3 2024, two-way trade was USD 0.6 billion.\nImports from Laos "
                     "were USD 300 million, up 5% during the period.\n")
    assert (found["300"]["period_start"], found["300"]["period_end"]) == ("2024-07-01",
                                                                        "2024-09-30")


def test_a_date_is_not_a_period():
    row = only("T\nOn 12 May 2024, officials said two-way trade had reached USD 1 billion.\n")
    assert (row["period_start"], row["period_end"]) == ("", "")


@pytest.mark.parametrize("phrase, flow", [
    ("Viet Nam's exports to Laos", "vn_to_la"), ("Vietnamese exports", "vn_to_la"),
    ("Exports from Vietnam to the Lao PDR", "vn_to_la"), ("Imports from Laos", "la_to_vn"),
    ("Lao exports to Viet Nam", "la_to_vn"), ("Two-way trade", "total"),
    ("Bilateral turnover", "total"), ("Vietnamese goods sold to Laos", "vn_to_la"),
])
def test_flows(phrase, flow):
    assert only(f"T\n{phrase} reached USD 2 billion in 2023.\n")["flow"] == flow


def test_each_figure_takes_the_flow_named_nearest_before_it():
    found = by_value("T\nIn 2023, Vietnam sold goods worth USD 900 million to Laos, while "
                     "Laos' exports to Vietnam came to USD 1.3 billion.\n")
    assert (found["900"]["flow"], found["1.3"]["flow"]) == ("vn_to_la", "la_to_vn")


def test_a_total_phrase_after_a_directional_one_takes_over():
    found = by_value("T\nIn 2023, exports to Laos reached USD 1 billion and two-way trade "
                     "USD 3 billion.\n")
    assert (found["1"]["flow"], found["3"]["flow"]) == ("vn_to_la", "total")


def test_trade_of_a_third_country_is_not_proposed():
    assert rows("T\nIn 2023, Thailand's exports to Laos reached USD 4 billion.\n") == []


def test_a_target_without_a_period():
    row = only("T\nThe ministers aim to lift two-way trade to USD 10 billion in the coming "
               "years.\n")
    assert (row["measure"], row["status"], row["period_start"], row["period_end"]) == (
        "target_value", "target", "", "")


def test_a_target_word_after_the_value_does_not_make_it_a_target():
    row = only("T\nIn 2023, bilateral trade reached USD 2 billion, the goal set years ago.\n")
    assert (row["measure"], row["status"]) == ("trade_value", "final")


def test_a_target_word_before_an_achieved_value_does_not_make_it_a_target():
    found = by_value("T\nAgainst a goal of USD 1 billion, two-way trade reached USD 1.2 billion "
                     "in 2023.\n")
    assert (found["1"]["measure"], found["1.2"]["measure"]) == ("target_value", "trade_value")


def test_average_balance_and_border_gate_trade():
    average = only("T\nAverage two-way trade was USD 1.5 billion per year from 2019 to 2023.\n")
    assert average["measure"] == "avg_annual_trade_value"
    averaged = only("T\nTwo-way trade averaged USD 1.5 billion from 2019 to 2023.\n")
    assert averaged["measure"] == "avg_annual_trade_value"
    balance = only("T\nIn 2023, Viet Nam's trade deficit with Laos was USD 400 million.\n")
    assert balance["measure"] == "trade_balance"
    gates = only("T\nTrade through the border gates reached USD 1 billion in 2023.\n")
    assert (gates["subject"], only("T\nTrade reached USD 1 billion in 2023.\n")["subject"]) == (
        "border_gate_trade", "bilateral_trade")


def test_a_range_is_written_low_high():
    row = only("T\nThe two sides target bilateral trade of USD 6-8 billion by 2030.\n")
    assert (row["value"], row["period_start"]) == ("6-8", "2030-01-01")


@pytest.mark.parametrize("phrase", ["made up 3.1% of Viet Nam's exports to the region",
                                    "accounted for 3.1%, a small part",
                                    "were 3.1% of all the country sold abroad"])
def test_a_share(phrase):
    share = only(f"T\nIn 2023, exports to Laos {phrase}.\n")
    assert (share["measure"], share["value"], share["flow"]) == ("share_pct", "3.1", "vn_to_la")


def test_ratios():
    ratio = only("T\nBilateral trade in 2024 was 1.8 times that of 2019.\n")
    assert (ratio["measure"], ratio["value"], ratio["unit"]) == ("ratio_to_base_period", "1.8",
                                                                 "times")
    prior = only("T\nSince 2021, two-way trade has been 2.5 times higher than in the previous "
                 "period.\n")
    assert prior["measure"] == "ratio_to_prior_period"


def test_doubling_is_two_times_against_the_earlier_period():
    row = by_value("T\nTwo-way trade went from USD 0.9 billion in 2014 to USD 1.9 billion in "
                   "2023, doubling in nine years.\n")["2"]
    assert (row["unit"], row["qualifier"], row["period_start"], row["base_period_start"]) == (
        "times", "doubling", "2023-01-01", "2014-01-01")
    assert row["note"].endswith("the word doubling read as 2 times")
    tripled = only("T\nIn 2023, bilateral trade more than tripled.\n")
    assert (tripled["value"], tripled["qualifier"]) == ("3", "more than")


@pytest.mark.parametrize("phrase, reporter", [
    ("According to Lao statistics", "la"), ("Vietnamese customs data show that", "vn"),
    ("The General Department of Viet Nam Customs said", "vn"),
    ("Laos' Ministry of Industry and Commerce reported that", "la"), ("In short,", ""),
    ("Data of the General Statistics Office show that", "vn"),
])
def test_reporter_phrases(phrase, reporter):
    assert only(f"T\n{phrase} two-way trade was USD 3 billion in 2024.\n")["reporter"] == reporter


@pytest.mark.parametrize("phrase", ["is expected to reach", "was estimated at",
                                    "is projected to top", "is forecast to hit"])
def test_estimates(phrase):
    assert only(f"T\nTwo-way trade {phrase} USD 3 billion in 2025.\n")["status"] == "estimate"


def test_an_expectation_with_its_bound_and_a_dateline():
    row = only("T\nOfficials expect bilateral trade to top USD 2 billion in 2024.\n")
    assert (row["status"], row["qualifier"]) == ("estimate", "top")
    dated = only("T\nHANOI (Agency) - Trade with Laos grew 9% in 2023.\n")
    assert (dated["value"], dated["period_start"]) == ("9", "2023-01-01")


def test_tonnes_and_counts_tied_to_trade():
    found = by_value("T\nIn 2023, imports from Laos included 2.5 million tonnes of ore, and "
                     "more than 240 Vietnamese enterprises took part in bilateral trade.\n")
    assert (found["2500"]["unit"], found["2500"]["measure"]) == ("thousand_tonne", "volume")
    assert (found["240"]["measure"], found["240"]["qualifier"]) == ("count", "more than")


def test_numbers_that_are_not_trade_facts():
    text = ("T\nOn 5 May 2024 and on March 3, 2023 the 13th conference met, after more than 60 "
            "years of ties along a border of 2,300 km.\nThe 47th session ran for 3 days in "
            "2024. Tariffs of 5% apply.\nIn 2023, trade grew and investment reached USD 2 "
            "billion.\nLaos has 17 provinces.\n")
    assert rows(text) == []


def test_a_repeated_figure_is_one_row_listing_the_other_paragraphs():
    text = ("Bilateral trade nears USD 3 billion\nSome words.\nIn 2025, bilateral trade "
            "reached USD 3 billion. Later on, bilateral trade reached USD 3 billion.\n")
    row = only(text)
    assert (row["paragraph"], row["other_paragraphs"]) == ("3", "1")


def test_paragraphs_skip_blank_and_no_break_space_lines():
    text = "Title\n\n   \n\u00a0\u00a0\nSecond\r\n\t\nThird has USD 5 billion of two-way trade.\n"
    assert [n for n, _ in paragraphs(text)] == [1, 2, 3]
    row = only(text)
    assert row["paragraph"] == "3"
    assert row["note"] == "paragraph 3, characters 11-23"  # where "USD 5 billion" is


def test_csv_has_the_seeds_header_and_no_sentences():
    found = rows("T\nIn 2023, bilateral trade reached USD 2 billion.\n")
    out = to_csv(found)
    assert out.splitlines()[0] == ",".join(COLUMNS)
    assert COLUMNS[0] == "figure_id" and COLUMNS[-1] == "note" and len(COLUMNS) == 20
    record = next(csv.DictReader(io.StringIO(out)))
    assert record["figure_id"] == "" and "reached" not in out
    assert to_table(found).splitlines()[0].split()[:3] == ["source_id", "paragraph", "value"]


def cli(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warehouse.cli", "propose", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60)


def test_cli_runs_outside_a_project_and_prints_rows_and_a_summary(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("T\nIn 2023, bilateral trade reached USD 2 billion.\n", encoding="utf-8")
    done = cli(str(report), "--source-id", "005_x", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith(",005_x,2,2,usd_billion,")
    assert "proposed 1 rows from 2 paragraphs" in done.stderr
    table = cli(str(report), "--source-id", "005_x", "--format", "table", cwd=tmp_path)
    head = table.stdout.splitlines()[0]
    assert table.returncode == 0 and "usd_billion" in table.stdout and "," not in head


def test_cli_errors_are_located_and_exit_2(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Title\nTrade \xff\n")
    for args, expected in [((str(bad), "--source-id", "x"), f"{bad}:2:7: not UTF-8"),
                           ((str(tmp_path / "gone.txt"), "--source-id", "x"), "does not exist"),
                           ((str(bad),), "--source-id"),
                           ((str(bad), "--source-id", "a b"), "not a source id")]:
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr and "Traceback" not in done.stderr
