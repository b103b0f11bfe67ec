-- One row per quantity (subject, period, flow, commodity, gate) and reporter: the best
-- estimate of a trade value in USD by that reporter's statistics alone, with the sources
-- that agree and the outliers; is_headline marks the reporter fct_trade_estimate follows.
select
    e.subject || ':' || e.period_id || ':' || e.flow
        || coalesce(':hs' || e.commodity_hs, '') || coalesce(':gate' || e.gate_id, '')
        || ':' || e.reporter as estimate_id,
    e.subject,
    e.period_id,
    e.period_start,
    e.period_end,
    p.period_kind,
    e.flow,
    e.commodity_hs,
    e.gate_id,
    e.reporter,
    e.is_headline,
    e.headline_reason,
    e.estimate_usd,
    e.estimate_low_usd,
    e.estimate_high_usd,
    e.is_lower_bound,
    e.basis,
    e.status_basis,
    e.n_reported_figures,
    e.n_derived_figures,
    e.n_sources,
    e.source_ids,
    e.agreeing_source_ids,
    e.outlier_source_ids,
    e.outlier_figure_ids,
    e.figure_ids,
    e.derived_ids,
    e.spread_usd,
    e.sources_agree
from {{ ref('int_trade_estimates') }} as e
inner join {{ ref('int_periods') }} as p using (period_id)
