"""A small project shaped like the trade warehouse's marts, for the docs site's tests.

It has the relations the site reports on (figures, estimates, the consistency
report, commodities), a passing and a failing (warn) data test, and markup in
a seed value and in a description, which the site must show as text.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.core.atomic import write_json
from warehouse.run.artifacts import manifest, run_results

SCRIPT = "<script>alert(1)</script>"

FIGURES_CSV = "\n".join([
    "figure_id,source_id,period_id,period_start,period_end,flow,measure,"
    "value,value_low,value_high,figure_as_written",
    "f1,doc_a,2024,2024-01-01,2024-12-31,total,trade_value,2.25e9,2.245e9,2.255e9,USD 2.25 bn",
    "f2,doc_b,2024,2024-01-01,2024-12-31,total,trade_value,2e9,2e9,,more than <b>2 bn</b>",
    "f3,doc_a,2025,2025-01-01,2025-12-31,total,trade_value,2.75e9,2.5e9,3e9,almost USD 3 bn",
    "f4,doc_a,2025,2025-01-01,2025-12-31,vn_to_la,trade_value,0.9e9,0.85e9,0.95e9,USD 0.9 bn",
    "f5,doc_a,2025,2025-01-01,2025-12-31,total,growth_yoy_pct,22,21.5,22.5,22%",
    "",
])

FILES = {
    "pyproject.toml": """
        [tool.warehouse]
        name = "trade_docs"
        threads = 2

        [tool.warehouse.seeds]
        "+schema" = "seeds"

        [tool.warehouse.models.staging]
        "+materialized" = "view"
        "+schema" = "staging"

        [tool.warehouse.models.marts]
        "+materialized" = "table"
        "+schema" = "marts"
    """,
    "seeds/figures.csv": FIGURES_CSV,
    "seeds/checks.csv": f"""
        check_id,check_kind,severity,status,explanation
        a_same,same_figure,error,consistent,Both sources agree.
        b_growth,growth_vs_prior,error,inconsistent,{SCRIPT} The growth rate implies another value.
        c_multi,multi_year,error,unverifiable,A year is missing.
        """,
    "seeds/commodities.csv": f"""
        direction,commodity_id,commodity_name,section_number,section_name
        la_to_vn,maize,Maize,2,Vegetable products
        vn_to_la,steel,Steel,15,Base metals
        la_to_vn,coal,Coal {SCRIPT},5,Mineral products
        """,
    "seeds/_seeds.yml": f"""
        seeds:
          - name: figures
            description: "Figures as reported. {SCRIPT}"
            config:
              column_types: {{period_start: date, period_end: date, value: double,
                              value_low: double, value_high: double}}
            columns:
              - name: figure_id
                description: One figure.
                data_type: varchar
          - name: checks
            description: Checks.
          - name: commodities
            description: Commodities.
        """,
    "models/staging/stg_figures.sql": """
        select figure_id, source_id, period_id, period_start, period_end, flow, measure,
               value, value_low, value_high, figure_as_written
        from {{ ref('figures') }}
        """,
    "models/marts/fct_trade_figure.sql": "select * from {{ ref('stg_figures') }}",
    "models/marts/fct_trade_estimate.sql": """
        with by_flow as (
            select period_id, period_start, period_end, flow,
                   max(value_low) as estimate_low_usd, min(value_high) as estimate_high_usd
            from {{ ref('fct_trade_figure') }}
            where measure = 'trade_value'
            group by all
        )
        select period_id, period_start, period_end, 'year' as period_kind, flow,
               coalesce((estimate_low_usd + estimate_high_usd) / 2, estimate_low_usd)
                   as estimate_usd,
               estimate_low_usd, estimate_high_usd
        from by_flow
        """,
    "models/marts/rpt_consistency_check.sql": "select * from {{ ref('checks') }}",
    "models/marts/dim_commodity.sql": "select * from {{ ref('commodities') }}",
    "models/marts/_marts.yml": """
        models:
          - name: fct_trade_figure
            description: One row per reported figure.
            columns:
              - name: figure_id
                description: Figure key.
                data_tests: [unique, not_null]
              - name: flow
                data_tests:
                  - accepted_values: {values: [total], config: {severity: warn}}
          - name: fct_trade_estimate
            description: Best estimate per period and flow.
            columns:
              - name: estimate_usd
                description: Midpoint of the interval.
        """,
}

MODELS = ("stg_figures", "fct_trade_figure", "fct_trade_estimate", "rpt_consistency_check",
          "dim_commodity")
SEEDS = ("figures", "checks", "commodities")


def write_fixture(root: Path) -> Path:
    """The project's files under `root` (used where the function-scoped `make_project` is not)."""
    import textwrap

    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def build_with_results(root: Path) -> None:
    """Build the project as `warehouse build` does, writing target/run_results.json too."""
    from wh_helpers import build

    from warehouse.compile.load import load_project

    result, _ = build(root)
    project = load_project(root)
    write_json(project.target_path / "manifest.json", manifest(project))
    write_json(project.target_path / "run_results.json", run_results(result))
