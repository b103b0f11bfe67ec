-- One row per period and flow of bilateral trade (all goods, all gates): the headline best
-- estimate of its value in USD, the reporter whose statistics it follows and why, the
-- sources that agree and the outliers (see int_trade_estimates). The estimates of every
-- reporter are in fct_trade_estimate_by_reporter.
select
    e.period_id || ':' || e.flow as estimate_id,
    e.period_id,
    e.period_start,
    e.period_end,
    p.period_kind,
    e.flow,
    e.estimate_usd,
    e.estimate_low_usd,
    e.estimate_high_usd,
    e.is_lower_bound,
    e.basis,
    e.reporter,
    e.headline_reason as reporter_reason,
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
where e.subject = 'bilateral_trade' and e.is_headline
    and e.commodity_hs is null and e.gate_id is null
