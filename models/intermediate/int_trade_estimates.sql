-- Best estimate of each trade value (subject, period, flow) from every reported figure and
-- every derived figure on it. The estimate interval is the intersection of all of them when
-- they intersect (sources_agree); otherwise the intersection of the reported figures alone,
-- or, if those disagree too, their hull. The point estimate is the midpoint of a closed
-- estimate interval, or its lower end when it is open above.
with candidates as (
    select
        subject, period_id, period_start, period_end, flow,
        'reported' as basis,
        figure_id as candidate_id,
        source_id,
        qualifier,
        value,
        value_low,
        value_high
    from {{ ref('int_figure_intervals') }}
    where measure = 'trade_value'

    union all

    select
        subject, period_id, period_start, period_end, flow,
        'derived' as basis,
        derived_id,
        source_id,
        null as qualifier,
        value,
        value_low,
        value_high
    from {{ ref('int_trade_derived_figures') }}
),

agg as (
    select
        subject,
        period_id,
        min(period_start) as period_start,
        min(period_end) as period_end,
        flow,
        count(*) filter (where basis = 'reported') as n_reported_figures,
        count(*) filter (where basis = 'derived') as n_derived_figures,
        count(distinct source_id) as n_sources,
        string_agg(distinct source_id, ',' order by source_id) as source_ids,
        string_agg(candidate_id, ',' order by candidate_id) filter (where basis = 'reported')
            as figure_ids,
        string_agg(candidate_id, ',' order by candidate_id) filter (where basis = 'derived')
            as derived_ids,
        max(value_low) as all_low,
        min(value_high) as all_high,
        max(value_low) filter (where basis = 'reported') as rep_low,
        min(value_high) filter (where basis = 'reported') as rep_high,
        min(value_low) filter (where basis = 'reported') as rep_hull_low,
        case when count(value_high) filter (where basis = 'reported')
                = count(*) filter (where basis = 'reported')
            then max(value_high) filter (where basis = 'reported') end as rep_hull_high,
        min(value_low) as all_hull_low,
        case when count(value_high) = count(*) then max(value_high) end as all_hull_high,
        -- spread of the point values of reported figures meant as point values (exact or about)
        max(value) filter (where basis = 'reported' and qualifier in ('exact', 'about'))
            - min(value) filter (where basis = 'reported' and qualifier in ('exact', 'about'))
            as spread_usd
    from candidates
    group by subject, period_id, flow
),

chosen as (
    select
        *,
        (all_low is null or all_high is null or all_low <= all_high) as sources_agree,
        (rep_low is null or rep_high is null or rep_low <= rep_high) as reported_agree
    from agg
),

interval_ as (
    select
        *,
        case
            when sources_agree then all_low
            when n_reported_figures > 0 and reported_agree then rep_low
            when n_reported_figures > 0 then rep_hull_low
            else all_hull_low
        end as estimate_low,
        case
            when sources_agree then all_high
            when n_reported_figures > 0 and reported_agree then rep_high
            when n_reported_figures > 0 then rep_hull_high
            else all_hull_high
        end as estimate_high
    from chosen
)

select
    subject,
    period_id,
    period_start,
    period_end,
    flow,
    case when estimate_high is null then estimate_low
        else round((estimate_low + estimate_high) / 2, 2) end as estimate_usd,
    estimate_low as estimate_low_usd,
    estimate_high as estimate_high_usd,
    estimate_high is null as is_lower_bound,
    case when n_reported_figures > 0 then 'reported' else 'derived' end as basis,
    n_reported_figures,
    n_derived_figures,
    n_sources,
    source_ids,
    figure_ids,
    derived_ids,
    coalesce(spread_usd, 0) as spread_usd,
    sources_agree
from interval_
