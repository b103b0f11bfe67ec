-- What each source says about each quantity (source, subject, measure, flow, period), for
-- trade values and growth rates: the intersection of the intervals of the figures it
-- reports for that quantity (figures_agree false when they do not intersect; the hull is
-- then used downstream). Where a source reports no trade value for a period but implies
-- one through a growth rate, the implied prior value is added with basis 'derived'.
with reported as (
    select
        source_id,
        subject,
        measure,
        flow,
        period_id,
        min(period_start) as period_start,
        min(period_end) as period_end,
        min(value_unit) as value_unit,
        count(*) as n_figures,
        string_agg(figure_id, ',' order by figure_id) as figure_ids,
        string_agg(written, ' and ' order by figure_id) as written,
        max(value_low) as intersect_low,
        min(value_high) as intersect_high,
        min(value_low) as hull_low,
        -- an open upper end stays open in the hull
        case when count(value_high) = count(*) then max(value_high) end as hull_high,
        -- point value: the narrowest closed figure, else the largest lower bound
        coalesce(
            arg_min(value, value_high - value_low) filter (where value_high is not null),
            max(value_low)
        ) as value
    from {{ ref('int_figure_intervals') }}
    where measure in ('trade_value', 'growth_yoy_pct')
    group by source_id, subject, measure, flow, period_id
),

reported_values as (
    select
        source_id,
        subject,
        measure,
        flow,
        period_id,
        period_start,
        period_end,
        value_unit,
        'reported' as basis,
        n_figures,
        figure_ids,
        written,
        intersect_low,
        intersect_high,
        (intersect_low is null or intersect_high is null or intersect_low <= intersect_high)
            as figures_agree,
        value
    from reported
),

derived_values as (
    select
        p.source_id,
        p.subject,
        p.measure,
        p.flow,
        p.period_id,
        min(p.period_start) as period_start,
        min(p.period_end) as period_end,
        'usd' as value_unit,
        'derived' as basis,
        count(*) as n_figures,
        string_agg(p.derived_id, ',' order by p.derived_id) as figure_ids,
        string_agg('[implied: ' || p.derivation_note || ']', ' and ' order by p.derived_id) as written,
        max(p.value_low) as intersect_low,
        min(p.value_high) as intersect_high,
        true as figures_agree,
        avg(p.value) as value
    from {{ ref('int_trade_prior_values') }} as p
    where not exists (
        select 1 from reported as r
        where r.source_id = p.source_id and r.subject = p.subject and r.measure = p.measure
            and r.flow = p.flow and r.period_id = p.period_id
    )
    group by p.source_id, p.subject, p.measure, p.flow, p.period_id
)

select
    *,
    case when figures_agree then intersect_low else hull_low end as value_low,
    case when figures_agree then intersect_high else hull_high end as value_high
from (
    select rv.*, r.hull_low, r.hull_high
    from reported_values as rv
    inner join reported as r using (source_id, subject, measure, flow, period_id)
    union all by name
    select d.*, d.intersect_low as hull_low, d.intersect_high as hull_high
    from derived_values as d
)
