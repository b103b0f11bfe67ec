-- Checks of statements attached to figures, and of the figures' timing:
--   average_vs_total  a stated yearly average against the same source's total for the span,
--                     divided by the span's length in years (days / 365.25) or by the number
--                     of calendar years it touches; consistent if either way fits;
--   ratio             a stated ratio (e.g. 'doubling') against the ratio of the best estimates
--                     of the two periods; unverifiable when a period is missing or not stated;
--   claim             'first time above X', 'record high', 'highest in ten years' against the
--                     earlier periods of the same kind in the warehouse (best estimates);
--   published_early   a figure whose period had not ended on the day its source is dated
--                     (severity warn: such a figure can only be partial or an estimate).
with figures as (
    select * from {{ ref('int_figure_intervals') }}
),

estimates as (
    select * from {{ ref('int_trade_estimates') }}
    where is_headline and commodity_hs is null and gate_id is null
),

source_values as (
    select * from {{ ref('int_source_values') }}
    where measure = 'trade_value' and status = 'final'
),

averages as (
    select
        a.*,
        t.written as t_written,
        t.figure_ids as t_figure_ids,
        t.value_low as t_low,
        t.value_high as t_high,
        (datediff('day', a.period_start, a.period_end) + 1) / 365.25 as span_years,
        year(a.period_end) - year(a.period_start) + 1 as calendar_years
    from figures as a
    inner join source_values as t
        on t.source_id = a.source_id and t.subject = a.subject and t.flow = a.flow
        and t.period_id = a.period_id and {{ trade_reporters_compatible('a', 't') }}
        and t.commodity_hs is not distinct from a.commodity_hs
        and t.gate_id is not distinct from a.gate_id
    where a.measure = 'avg_annual_trade_value' and a.status = 'final'
),

average_checks as (
    select
        *,
        t_low / span_years as by_span_low,
        t_high / span_years as by_span_high,
        t_low / calendar_years as by_cal_low,
        t_high / calendar_years as by_cal_high
    from averages
),

ratios as (
    select
        r.*,
        n.estimate_low_usd as n_low, n.estimate_high_usd as n_high,
        d.estimate_low_usd as d_low, d.estimate_high_usd as d_high,
        n.estimate_low_usd / d.estimate_high_usd as implied_low,
        n.estimate_high_usd / d.estimate_low_usd as implied_high
    from figures as r
    left join estimates as n
        on n.subject = r.subject and n.flow = r.flow and n.period_id = r.period_id
    left join estimates as d
        on d.subject = r.subject and d.flow = r.flow and d.period_id = r.base_period_id
    where r.measure in ('ratio_to_base_period', 'ratio_to_prior_period') and r.status = 'final'
        and r.commodity_hs is null and r.gate_id is null
),

claimed as (
    select
        c.figure_id, c.source_id, c.claim, c.subject, c.flow, c.period_id, c.period_start,
        c.period_end, c.value as threshold, c.written,
        e.estimate_low_usd as c_low, e.estimate_high_usd as c_high
    from figures as c
    left join estimates as e
        on e.subject = c.subject and e.flow = c.flow and e.period_id = c.period_id
    where c.claim is not null and c.status = 'final'
),

history as (
    select
        c.figure_id,
        count(e.period_id) as n_earlier,
        max(e.estimate_low_usd) as earlier_max_low,
        max(e.estimate_high_usd) as earlier_max_high,
        count(e.period_id) filter (where e.estimate_high_usd is null) as n_earlier_open,
        string_agg(e.period_id || ' ' || {{ trade_fmt_interval('e.estimate_low_usd', 'e.estimate_high_usd', "'usd'") }}
            || case when e.basis = 'derived' then ' (derived)' else '' end, ', ' order by e.period_start)
            as earlier_text
    from claimed as c
    left join estimates as e
        on e.subject = c.subject and e.flow = c.flow
        and e.period_end < c.period_start
        and month(e.period_start) = month(c.period_start) and day(e.period_start) = day(c.period_start)
        and month(e.period_end) = month(c.period_end) and day(e.period_end) = day(c.period_end)
        and (c.claim <> 'highest_in_10_years' or e.period_start >= c.period_start - interval 10 year)
    group by c.figure_id
),

claim_checks as (
    select
        c.*,
        h.n_earlier,
        h.earlier_max_low,
        h.earlier_max_high,
        h.n_earlier_open,
        h.earlier_text,
        case
            when c.claim = 'first_time_above' then case
                when c.c_high is not null and c.c_high <= c.threshold then 'inconsistent'
                when h.earlier_max_low > c.threshold then 'inconsistent'
                when h.n_earlier > 0 and h.n_earlier_open = 0 and h.earlier_max_high <= c.threshold
                    and c.c_low >= c.threshold then 'consistent'
                else 'unverifiable' end
            else case
                when c.c_high is not null and h.earlier_max_low > c.c_high then 'inconsistent'
                when h.n_earlier > 0 and h.n_earlier_open = 0 and h.earlier_max_high <= c.c_low
                    then 'consistent'
                else 'unverifiable' end
        end as status
    from claimed as c
    inner join history as h using (figure_id)
),

early as (
    -- final figures only: an estimate or forecast published before its period ended is
    -- expected, and a target is about the future by nature. A report with no date at all
    -- cannot be placed: unverifiable, never guessed.
    select f.*, s.published_on, s.published_not_before
    from figures as f
    inner join {{ ref('stg_sources') }} as s using (source_id)
    where f.period_end is not null and f.status = 'final'
        and (coalesce(s.published_on, s.published_not_before) <= f.period_end
             or (s.published_on is null and s.published_not_before is null))
)

select
    'average_vs_total:' || period_id || ':' || flow || ':' || source_id as check_id,
    'average_vs_total' as check_kind,
    'error' as severity,
    subject,
    measure,
    flow,
    period_id,
    period_start,
    period_end,
    source_id as source_ids,
    source_id as expected_source_id,
    written as expected_as_written,
    source_id as observed_source_id,
    t_written || ' / ' || {{ trade_fmt_num('span_years', 2) }} || ' years' as observed_as_written,
    figure_id || ',' || t_figure_ids as figure_ids,
    value_unit,
    value_low as expected_low,
    value_high as expected_high,
    round(by_span_low, 2) as observed_low,
    round(by_span_high, 2) as observed_high,
    case when {{ trade_overlap('value_low', 'value_high', 'by_span_low', 'by_span_high') }}
          or {{ trade_overlap('value_low', 'value_high', 'by_cal_low', 'by_cal_high') }}
        then 'consistent' else 'inconsistent' end as status,
    {{ trade_quantity_label('period_id', 'flow', "'trade_value'", 'subject') }} || ', yearly average: '
        || source_id || ' states ' || written || ' ('
        || {{ trade_fmt_interval('value_low', 'value_high', 'value_unit') }} || ') but its total of '
        || t_written || ' over ' || {{ trade_fmt_num('span_years', 2) }} || ' years gives '
        || {{ trade_fmt_interval('by_span_low', 'by_span_high', "'usd'") }} || ' a year ('
        || {{ trade_fmt_gap('value_low', 'value_high', 'by_span_low', 'by_span_high', "'usd'") }}
        || '), or ' || {{ trade_fmt_interval('by_cal_low', 'by_cal_high', "'usd'") }}
        || ' over its ' || calendar_years || ' calendar years ('
        || {{ trade_fmt_gap('value_low', 'value_high', 'by_cal_low', 'by_cal_high', "'usd'") }} || ').'
        as explanation
from average_checks

union all

select
    'ratio:' || figure_id as check_id,
    'ratio' as check_kind,
    'error' as severity,
    subject,
    measure,
    flow,
    period_id,
    period_start,
    period_end,
    source_id as source_ids,
    source_id as expected_source_id,
    written as expected_as_written,
    'warehouse' as observed_source_id,
    'ratio of the estimates' as observed_as_written,
    figure_id as figure_ids,
    value_unit,
    value_low as expected_low,
    value_high as expected_high,
    round(implied_low, 4) as observed_low,
    round(implied_high, 4) as observed_high,
    case
        when implied_low is null then 'unverifiable'
        when {{ trade_overlap('value_low', 'value_high', 'implied_low', 'implied_high') }} then 'consistent'
        else 'inconsistent'
    end as status,
    {{ trade_quantity_label('period_id', 'flow', "'trade_value'", 'subject') }} || ': '
        || source_id || ' states ' || written || ' (' || {{ trade_fmt_interval('value_low', 'value_high', "'times'") }}
        || ') the level of ' || coalesce(base_period_id, 'an unstated earlier period') || '; '
        || case
            when base_period_id is null then 'the period compared against is not stated, so this cannot be checked'
            when implied_low is null then 'one of the two periods is not in the warehouse, so this cannot be checked'
            else 'the warehouse has ' || {{ trade_fmt_interval('n_low', 'n_high', "'usd'") }} || ' against '
                || {{ trade_fmt_interval('d_low', 'd_high', "'usd'") }} || ', a ratio of '
                || {{ trade_fmt_interval('implied_low', 'implied_high', "'times'") }} || '; '
                || {{ trade_fmt_gap('value_low', 'value_high', 'implied_low', 'implied_high', "'times'") }}
        end || '.' as explanation
from ratios

union all

select
    'claim:' || claim || ':' || figure_id as check_id,
    'claim' as check_kind,
    'error' as severity,
    subject,
    'trade_value' as measure,
    flow,
    period_id,
    period_start,
    period_end,
    source_id as source_ids,
    source_id as expected_source_id,
    claim || ' ' || written as expected_as_written,
    'warehouse' as observed_source_id,
    'estimate for ' || period_id as observed_as_written,
    figure_id as figure_ids,
    'usd' as value_unit,
    case when claim = 'first_time_above' then threshold else earlier_max_high end as expected_low,
    null::double as expected_high,
    c_low as observed_low,
    c_high as observed_high,
    status,
    {{ trade_quantity_label('period_id', 'flow', "'trade_value'", 'subject') }} || ': '
        || source_id || ' (' || figure_id || ') says it was '
        || case claim
            when 'first_time_above' then 'above USD ' || {{ trade_fmt_num('threshold / 1e9', 4) }} || ' bn for the first time'
            when 'record_high' then 'the highest ever'
            else 'the highest in ten years' end
        || '; the warehouse has ' || {{ trade_fmt_interval('c_low', 'c_high', "'usd'") }} || ' for ' || period_id
        || ' and, for earlier periods of the same kind, '
        || coalesce(earlier_text, 'nothing') || '; '
        || case status
            when 'consistent' then 'the claim holds for every period the warehouse has'
            when 'inconsistent' then 'the claim is contradicted'
            else 'the warehouse has too little history to check it' end
        || '.' as explanation
from claim_checks

union all

select
    'published_early:' || figure_id as check_id,
    'published_early' as check_kind,
    'warn' as severity,
    subject,
    measure,
    flow,
    period_id,
    period_start,
    period_end,
    source_id as source_ids,
    source_id as expected_source_id,
    'dated ' || coalesce(strftime(published_on, '%Y-%m-%d'), 'unknown') as expected_as_written,
    source_id as observed_source_id,
    written || ' for ' || period_id as observed_as_written,
    figure_id as figure_ids,
    value_unit,
    null::double as expected_low,
    null::double as expected_high,
    value_low as observed_low,
    value_high as observed_high,
    case when published_on is null then 'unverifiable' else 'inconsistent' end as status,
    case when published_on is null and published_not_before is null then
        source_id || ' states no publication date, so whether ' || written || ' (' || figure_id
        || ') for ' || period_id || ' was published before the period ended cannot be told.'
    else
        source_id || ' is dated ' || coalesce(strftime(published_on, '%Y-%m-%d'),
            'no earlier than ' || strftime(published_not_before, '%Y-%m-%d'))
            || ' but gives ' || written || ' (' || figure_id || ') for ' || period_id
            || ', which ran to ' || strftime(period_end, '%Y-%m-%d')
            || '; a final figure for a period not yet over can only be partial or an estimate'
            || ' (mark it status estimate if the report says so).'
    end as explanation
from early
