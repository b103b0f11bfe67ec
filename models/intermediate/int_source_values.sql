-- What each source says about each quantity (subject, measure, flow, period, commodity,
-- gate), per reporter and status, for trade values, growth rates, changes and balances: the
-- intersection of the intervals of the figures it reports (figures_agree false when they
-- do not intersect; the hull is then used downstream). Targets and forecasts are not
-- measurements and are left out. Where a source reports no trade value for a period but
-- implies one through a growth rate, the implied prior value is added with basis 'derived'.
with figures as (
    select * from {{ ref('int_figure_intervals') }}
    where measure in ('trade_value', 'growth_yoy_pct', 'change_value', 'trade_balance')
        and status in ('final', 'preliminary', 'estimate')
),

reported as (
    select
        source_id, reporter, status, subject, measure, flow, period_id, commodity_hs, gate_id,
        min(period_start) as period_start,
        min(period_end) as period_end,
        min(value_unit) as value_unit,
        count(*) as n_figures,
        string_agg(figure_id, ',' order by figure_id) as figure_ids,
        string_agg(written, ' and ' order by figure_id) as written,
        max(value_low) as intersect_low,
        min(value_high) as intersect_high,
        min(value_low) as hull_low,
        -- an open end stays open in the hull
        case when count(value_high) = count(*) then max(value_high) end as hull_high,
        case when count(value_low) = count(*) then min(value_low) end as hull_low_closed,
        -- point value: the narrowest closed figure, else the largest lower bound
        coalesce(
            arg_min(value, value_high - value_low) filter (where value_high is not null),
            max(value_low)
        ) as value
    from figures
    group by source_id, reporter, status, subject, measure, flow, period_id, commodity_hs, gate_id
),

reported_values as (
    select
        *,
        'reported' as basis,
        (intersect_low is null or intersect_high is null or intersect_low <= intersect_high)
            as figures_agree
    from reported
),

derived_values as (
    select
        p.source_id, p.reporter, p.status, p.subject, p.measure, p.flow, p.period_id,
        p.commodity_hs, p.gate_id,
        min(p.period_start) as period_start,
        min(p.period_end) as period_end,
        'usd' as value_unit,
        count(*) as n_figures,
        string_agg(p.derived_id, ',' order by p.derived_id) as figure_ids,
        string_agg('[implied: ' || p.derivation_note || ']', ' and ' order by p.derived_id)
            as written,
        max(p.value_low) as intersect_low,
        min(p.value_high) as intersect_high,
        max(p.value_low) as hull_low,
        min(p.value_high) as hull_high,
        max(p.value_low) as hull_low_closed,
        avg(p.value) as value,
        'derived' as basis,
        true as figures_agree
    from {{ ref('int_trade_prior_values') }} as p
    where not exists (
        select 1 from reported as r
        where r.source_id = p.source_id and r.reporter = p.reporter and r.status = p.status
            and r.measure = p.measure and {{ trade_same_quantity('p', 'r') }}
    )
    group by all
)

select
    * exclude (hull_low_closed),
    case when figures_agree then intersect_low else hull_low end as value_low,
    case when figures_agree then intersect_high else hull_high end as value_high
from (
    select * from reported_values
    union all by name
    select * from derived_values
)
