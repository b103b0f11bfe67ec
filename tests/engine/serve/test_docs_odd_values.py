"""The docs site is written whatever the marts hold: `inf`, text where numbers belong."""

from __future__ import annotations

from docs_fixture import FIGURES_CSV, FILES
from wh_helpers import build

from warehouse.cli import main


def test_docs_skip_values_a_chart_cannot_draw(make_project, capsys):
    files = dict(FILES)
    files["seeds/figures.csv"] = FIGURES_CSV + (
        "f6,doc_c,2023,2023-01-01,2023-12-31,total,trade_value,inf,inf,inf,USD inf\n"
        "f7,doc_c,2022,2022-01-01,2022-12-31,total,trade_value,-inf,nan,1e9,USD nan\n")
    files["seeds/commodities.csv"] = (
        "direction,commodity_id,commodity_name,section_number,section_name\n"
        "la_to_vn,maize,Maize,two,Vegetable products\n"
        "vn_to_la,steel,Steel,15,Base metals\n"
        "sideways,salt,Salt,5,Mineral products\n")
    root = make_project(files)
    result, out = build(root)
    assert result.exit_code == 0, out
    assert main(["docs", "--project-dir", str(root)]) == 0, capsys.readouterr()
    index = (root / "target" / "docs" / "index.html").read_text(encoding="utf-8")
    assert 'id="trade-chart"' in index and 'id="commodity-chart"' in index
    assert ">inf<" not in index.split('id="trade-chart"')[1].split("</div>")[0]
