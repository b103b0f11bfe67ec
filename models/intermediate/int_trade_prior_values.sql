-- Prior-period values implied by growth rates: prior = current / (1 + g/100), by interval
-- arithmetic (low = current_low / (1 + g_high/100), high = current_high / (1 + g_low/100)).
-- Each growth rate is paired with the narrowest trade value the same source states for the
-- same quantity, reporter and status (a closed interval before an open one).
with growth as (
    select * from {{ ref('int_figure_intervals') }}
    where measure = 'growth_yoy_pct' and status in ('final', 'preliminary', 'estimate')
),

current_values as (
    select * from {{ ref('int_figure_intervals') }}
    where measure = 'trade_value' and status in ('final', 'preliminary', 'estimate')
),

paired as (
    select
        g.figure_id as growth_figure_id,
        v.figure_id as value_figure_id,
        g.source_id,
        g.reporter,
        g.status,
        g.subject,
        g.flow,
        g.commodity_hs,
        g.gate_id,
        g.base_period_id as period_id,
        g.base_period_start as period_start,
        g.base_period_end as period_end,
        g.period_id as current_period_id,
        g.value as growth_pct,
        g.value_low as growth_low,
        g.value_high as growth_high,
        g.written as growth_written,
        g.written_move as growth_move,
        v.value as current_value,
        v.value_low as current_low,
        v.value_high as current_high,
        v.written as current_written,
        row_number() over (
            partition by g.figure_id
            order by v.value_high is null, v.value_high - v.value_low, v.figure_id
        ) as pick
    from growth as g
    inner join current_values as v
        on v.source_id = g.source_id and v.reporter = g.reporter and v.status = g.status
        and {{ trade_same_quantity('g', 'v') }}
)

select
    'prior:' || growth_figure_id as derived_id,
    'prior_from_growth' as derivation,
    source_id,
    reporter,
    status,
    subject,
    'trade_value' as measure,
    flow,
    commodity_hs,
    gate_id,
    period_id,
    period_start,
    period_end,
    current_value / (1 + growth_pct / 100) as value,
    round(current_low / (1 + growth_high / 100), 2) as value_low,
    round(current_high / (1 + growth_low / 100), 2) as value_high,
    growth_figure_id || ',' || value_figure_id as parent_figure_ids,
    growth_figure_id,
    value_figure_id,
    current_period_id,
    current_low,
    current_high,
    growth_low,
    growth_high,
    current_written,
    growth_written,
    growth_move,
    current_written || ' in ' || current_period_id || ' ' || growth_move as derivation_note
from paired
where pick = 1
