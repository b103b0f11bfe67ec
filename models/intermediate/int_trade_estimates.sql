-- Best estimate of each trade value (subject, period, flow, commodity, gate), per reporter
-- (whose statistics), from the figures reported on it and the figures derived for it.
-- A group uses its final figures when it has any, else its preliminary ones, else its
-- estimates; targets and forecasts never count. The estimate is the largest set of
-- reported figures that agree (their intervals share a point; among equal sets, the one
-- with the most sources, then the latest published): its intersection, narrowed by every
-- derived figure that fits it. Figures outside that set are the outliers: one contradicting
-- source never drags a well-attested value to a bare lower bound. With nothing reported,
-- the derived figures are used the same way. One reporter per quantity is the headline
-- (is_headline): the one with the most agreeing sources, then final figures over
-- estimates, then the project's preferred reporter (var headline_reporter), with the
-- reason in headline_reason; no midpoint between two reporters is ever made.
with sources as (
    select source_id, published_on, published_not_before from {{ ref('stg_sources') }}
),

candidates as (
    select
        f.subject, f.period_id, f.period_start, f.period_end, f.flow, f.commodity_hs,
        f.gate_id, f.reporter, f.status, 'reported' as basis, f.figure_id as candidate_id,
        f.source_id, f.qualifier, f.value, f.value_low, f.value_high,
        coalesce(s.published_on, s.published_not_before) as published
    from {{ ref('int_figure_intervals') }} as f
    inner join sources as s using (source_id)
    where f.measure = 'trade_value' and f.status in ('final', 'preliminary', 'estimate')

    union all

    select
        d.subject, d.period_id, d.period_start, d.period_end, d.flow, d.commodity_hs,
        d.gate_id, d.reporter, d.status, 'derived' as basis, d.derived_id, d.source_id,
        null as qualifier, d.value, d.value_low, d.value_high,
        coalesce(s.published_on, s.published_not_before) as published
    from {{ ref('int_trade_derived_figures') }} as d
    inner join sources as s using (source_id)
    where d.measure = 'trade_value'
),

tiered as (
    select
        *,
        case status when 'final' then 1 when 'preliminary' then 2 else 3 end as tier,
        min(case status when 'final' then 1 when 'preliminary' then 2 else 3 end) over (
            partition by subject, period_id, flow, commodity_hs, gate_id, reporter) as best_tier,
        count(*) filter (where basis = 'reported') over (
            partition by subject, period_id, flow, commodity_hs, gate_id, reporter) as n_reported_all
    from candidates
),

usable as (
    select
        *,
        -- the figures the agreement is sought among: reported ones, or derived when none
        (basis = 'reported' or n_reported_all = 0) as voting
    from tiered
    where tier = best_tier
),

points as (
    select distinct subject, period_id, flow, commodity_hs, gate_id, reporter, p
    from usable, lateral (select unnest([value_low, value_high]) as p)
    where voting and p is not null
),

coverage as (
    select
        pt.subject, pt.period_id, pt.flow, pt.commodity_hs, pt.gate_id, pt.reporter, pt.p,
        count(*) as n_covering,
        count(distinct u.source_id) as n_covering_sources,
        max(u.published) as latest
    from points as pt
    inner join usable as u
        on u.subject = pt.subject and u.period_id = pt.period_id and u.flow = pt.flow
        and u.commodity_hs is not distinct from pt.commodity_hs
        and u.gate_id is not distinct from pt.gate_id and u.reporter = pt.reporter
        and u.voting
        and (u.value_low is null or u.value_low <= pt.p)
        and (u.value_high is null or pt.p <= u.value_high)
    group by all
),

best_point as (
    select * from coverage
    qualify row_number() over (
        partition by subject, period_id, flow, commodity_hs, gate_id, reporter
        order by n_covering desc, n_covering_sources desc, latest desc nulls last, p) = 1
),

voted as (
    select
        u.*,
        (u.value_low is null or u.value_low <= b.p) and (u.value_high is null or b.p <= u.value_high)
            as covers
    from usable as u
    inner join best_point as b
        on b.subject = u.subject and b.period_id = u.period_id and b.flow = u.flow
        and b.commodity_hs is not distinct from u.commodity_hs
        and b.gate_id is not distinct from u.gate_id and b.reporter = u.reporter
),

marked as (
    -- voters agree when they cover the chosen point; a derived value that is not a voter
    -- agrees when it fits the voters' intersection, which it then narrows
    select
        *,
        case when voting then covers
             else {{ trade_overlap('value_low', 'value_high', 'voters_low', 'voters_high') }}
        end as agrees
    from (
        select
            *,
            max(value_low) filter (where voting and covers) over w as voters_low,
            min(value_high) filter (where voting and covers) over w as voters_high
        from voted
        window w as (partition by subject, period_id, flow, commodity_hs, gate_id, reporter)
    )
),

agg as (
    select
        subject, period_id, flow, commodity_hs, gate_id, reporter,
        min(period_start) as period_start,
        min(period_end) as period_end,
        min(status) filter (where tier = best_tier) as status_basis,
        count(*) filter (where basis = 'reported') as n_reported_figures,
        count(*) filter (where basis = 'derived') as n_derived_figures,
        count(distinct source_id) filter (where agrees) as n_sources,
        string_agg(distinct source_id, ',' order by source_id) as source_ids,
        string_agg(distinct source_id, ',' order by source_id) filter (where agrees)
            as agreeing_source_ids,
        string_agg(distinct source_id, ',' order by source_id) filter (where not agrees and voting)
            as outlier_source_ids,
        string_agg(candidate_id, ',' order by candidate_id) filter (where not agrees and voting)
            as outlier_figure_ids,
        string_agg(candidate_id, ',' order by candidate_id) filter (where basis = 'reported')
            as figure_ids,
        string_agg(candidate_id, ',' order by candidate_id) filter (where basis = 'derived')
            as derived_ids,
        max(value_low) filter (where agrees) as estimate_low,
        min(value_high) filter (where agrees) as estimate_high,
        bool_and(agrees) filter (where voting) as voters_agree,
        bool_and(agrees) as all_agree,
        max(value) filter (where basis = 'reported' and agrees and qualifier in ('exact', 'about'))
            - min(value) filter (where basis = 'reported' and agrees and qualifier in ('exact', 'about'))
            as spread_usd
    from marked
    group by subject, period_id, flow, commodity_hs, gate_id, reporter
),

ranked as (
    select
        *,
        count(*) over (partition by subject, period_id, flow, commodity_hs, gate_id)
            as n_reporters,
        row_number() over (
            partition by subject, period_id, flow, commodity_hs, gate_id
            order by n_sources desc, status_basis = 'final' desc,
                     reporter = '{{ var("headline_reporter", "vn") }}' desc,
                     reporter = 'unstated', reporter) as headline_rank,
        max(n_sources) over (partition by subject, period_id, flow, commodity_hs, gate_id)
            as top_sources,
        count(*) filter (where status_basis = 'final') over (
            partition by subject, period_id, flow, commodity_hs, gate_id) as n_final_reporters
    from agg
)

select
    subject,
    period_id,
    period_start,
    period_end,
    flow,
    commodity_hs,
    gate_id,
    reporter,
    case when estimate_high is null then estimate_low
        else round((estimate_low + estimate_high) / 2, 2) end as estimate_usd,
    estimate_low as estimate_low_usd,
    estimate_high as estimate_high_usd,
    estimate_high is null as is_lower_bound,
    case when n_reported_figures > 0 then 'reported' else 'derived' end as basis,
    status_basis,
    n_reported_figures,
    n_derived_figures,
    n_sources,
    source_ids,
    agreeing_source_ids,
    outlier_source_ids,
    outlier_figure_ids,
    figure_ids,
    derived_ids,
    coalesce(spread_usd, 0) as spread_usd,
    all_agree as sources_agree,
    headline_rank = 1 as is_headline,
    case
        when headline_rank > 1 then null
        when n_reporters = 1 then 'the only reporter'
        when n_sources = top_sources and (
            select count(*) from ranked as r2
            where r2.subject = ranked.subject and r2.period_id = ranked.period_id
                and r2.flow = ranked.flow
                and r2.commodity_hs is not distinct from ranked.commodity_hs
                and r2.gate_id is not distinct from ranked.gate_id
                and r2.n_sources = ranked.top_sources) = 1
            then 'most agreeing sources (' || n_sources || ')'
        when status_basis = 'final' and n_final_reporters = 1 then 'the only final figures'
        else 'preferred reporter (var headline_reporter = '
            || '{{ var("headline_reporter", "vn") }}' || ')'
    end as headline_reason
from ranked
