-- One row per period and flow of bilateral trade: the best estimate of its value in USD
-- from every figure reported on it and every figure derived for it (see int_trade_estimates),
-- the sources behind it, their spread and whether they agree.
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
    e.n_reported_figures,
    e.n_derived_figures,
    e.n_sources,
    e.source_ids,
    e.figure_ids,
    e.derived_ids,
    e.spread_usd,
    e.sources_agree
from {{ ref('int_trade_estimates') }} as e
inner join {{ ref('int_periods') }} as p using (period_id)
where e.subject = 'bilateral_trade'
