-- Checks that a quantity stated more than once agrees within written precision:
--   same_figure    two sources on the same quantity (trade value or growth rate of the same
--                  subject, flow and period), each source taken as the intersection of its
--                  own figures on it; one check per pair of sources;
--   within_source  one source stating the same quantity in several figures.
with source_values as (
    select * from {{ ref('int_source_values') }}
    where basis = 'reported'
),

pairs as (
    select
        'same_figure:' || a.period_id || ':' || a.flow || ':' || a.measure
            || case when a.subject <> 'bilateral_trade' then ':' || a.subject else '' end
            || ':' || a.source_id || '~' || b.source_id as check_id,
        'same_figure' as check_kind,
        'error' as severity,
        a.subject,
        a.measure,
        a.flow,
        a.period_id,
        a.period_start,
        a.period_end,
        a.source_id || ',' || b.source_id as source_ids,
        a.source_id as expected_source_id,
        a.written as expected_as_written,
        b.source_id as observed_source_id,
        b.written as observed_as_written,
        a.figure_ids || ',' || b.figure_ids as figure_ids,
        a.value_unit,
        a.value_low as expected_low,
        a.value_high as expected_high,
        b.value_low as observed_low,
        b.value_high as observed_high,
        case when {{ trade_overlap('a.value_low', 'a.value_high', 'b.value_low', 'b.value_high') }}
            then 'consistent' else 'inconsistent' end as status,
        {{ trade_quantity_label('a.period_id', 'a.flow', 'a.measure', 'a.subject') }} || ': '
            || a.source_id || ' says ' || a.written
            || ' (' || {{ trade_fmt_interval('a.value_low', 'a.value_high', 'a.value_unit') }} || '), '
            || b.source_id || ' says ' || b.written
            || ' (' || {{ trade_fmt_interval('b.value_low', 'b.value_high', 'b.value_unit') }} || '); '
            || {{ trade_fmt_gap('a.value_low', 'a.value_high', 'b.value_low', 'b.value_high', 'a.value_unit') }}
            || '.' as explanation
    from source_values as a
    inner join source_values as b
        on b.subject = a.subject and b.measure = a.measure and b.flow = a.flow
        and b.period_id = a.period_id and b.source_id > a.source_id
),

figures as (
    select * from {{ ref('int_figure_intervals') }}
    where measure in ('trade_value', 'growth_yoy_pct')
),

within as (
    select
        source_id, subject, measure, flow, period_id,
        min(period_start) as period_start,
        min(period_end) as period_end,
        min(value_unit) as value_unit,
        string_agg(figure_id, ',' order by figure_id) as figure_ids,
        string_agg(written || ' (' || figure_id || ', paragraph ' || paragraph || ')', ' and '
            order by figure_id) as written_all,
        max(value_low) as lo,
        min(value_high) as hi,
        -- the pair that disagrees most: highest lower end against lowest upper end
        arg_max(written || ' (' || figure_id || ')', value_low) as w_hi_low,
        max(value_low) as hi_low,
        arg_min(written || ' (' || figure_id || ')', value_high) as w_lo_high,
        min(value_high) as lo_high
    from figures
    group by source_id, subject, measure, flow, period_id
    having count(*) > 1
)

select * from pairs

union all

select
    'within_source:' || period_id || ':' || flow || ':' || measure
        || case when subject <> 'bilateral_trade' then ':' || subject else '' end
        || ':' || source_id as check_id,
    'within_source' as check_kind,
    'error' as severity,
    subject,
    measure,
    flow,
    period_id,
    period_start,
    period_end,
    source_id as source_ids,
    source_id as expected_source_id,
    w_hi_low as expected_as_written,
    source_id as observed_source_id,
    w_lo_high as observed_as_written,
    figure_ids,
    value_unit,
    lo as expected_low,
    null::double as expected_high,
    null::double as observed_low,
    hi as observed_high,
    case when lo is null or hi is null or lo <= hi then 'consistent' else 'inconsistent' end as status,
    {{ trade_quantity_label('period_id', 'flow', 'measure', 'subject') }} || ': '
        || source_id || ' states ' || written_all || '; '
        || case when lo is null or hi is null or lo <= hi
            then 'together they allow ' || {{ trade_fmt_interval('lo', 'hi', 'value_unit') }}
            else w_hi_low || ' needs at least ' || {{ trade_fmt_interval('hi_low', 'null', 'value_unit') }}
                || ' but ' || w_lo_high || ' allows at most '
                || {{ trade_fmt_interval('null', 'lo_high', 'value_unit') }}
                || '; gap ' || {{ trade_fmt_interval('hi_low - lo_high', 'null', 'value_unit') }}
        end || '.' as explanation
from within
