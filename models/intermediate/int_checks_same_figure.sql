-- Checks that a quantity stated more than once agrees within written precision, each source
-- taken as the intersection of its own figures on it (per reporter and status):
--   same_figure    two statements of the same statistics (same reporter, or one unstated)
--                  with the same standing; severity error when both are final;
--   reporter_gap   two reporters' statistics for the same quantity (Vietnamese against Lao
--                  figures): they differ by nature, so the gap is measured, never an error;
--                  an unstated reporter's figure that matches another reporter is read as
--                  that reporter's;
--   revision       an estimate or preliminary figure against a final one: what the final
--                  figure changed, never an error;
--   within_source  one source stating the same quantity in several figures of the same
--                  reporter and status.
with source_values as (
    select * from {{ ref('int_source_values') }}
    where basis = 'reported'
),

matches as (
    -- known reporters each unstated statement agrees with
    select u.source_id, u.status, u.measure, u.subject, u.flow, u.period_id, u.commodity_hs,
        u.gate_id, list(distinct k.reporter order by k.reporter) as matched
    from source_values as u
    inner join source_values as k
        on k.measure = u.measure and {{ trade_same_quantity('u', 'k') }}
        and k.reporter <> 'unstated'
        and {{ trade_overlap('u.value_low', 'u.value_high', 'k.value_low', 'k.value_high') }}
    where u.reporter = 'unstated'
    group by all
),

pairs as (
    select
        a.*,
        b.source_id as b_source_id, b.reporter as b_reporter, b.status as b_status,
        b.written as b_written, b.figure_ids as b_figure_ids,
        b.value_low as b_low, b.value_high as b_high,
        case
            when a.reporter <> 'unstated' and b.reporter <> 'unstated' and a.reporter <> b.reporter
                then 'reporter_gap'
            when a.reporter = 'unstated' and len(ma.matched) > 0
                and not list_contains(ma.matched, b.reporter) and b.reporter <> 'unstated'
                then 'reporter_gap'
            when b.reporter = 'unstated' and len(mb.matched) > 0
                and not list_contains(mb.matched, a.reporter) and a.reporter <> 'unstated'
                then 'reporter_gap'
            when (a.status = 'final') <> (b.status = 'final') then 'revision'
            else 'same_figure'
        end as kind
    from source_values as a
    inner join source_values as b
        on b.measure = a.measure and {{ trade_same_quantity('a', 'b') }}
        and (b.source_id > a.source_id
             or (b.source_id = a.source_id
                 and (b.reporter > a.reporter or (b.reporter = a.reporter and b.status > a.status))))
    left join matches as ma
        on ma.source_id = a.source_id and ma.status = a.status and ma.measure = a.measure
        and {{ trade_same_quantity('a', 'ma') }}
    left join matches as mb
        on mb.source_id = b.source_id and mb.status = b.status and mb.measure = b.measure
        and {{ trade_same_quantity('b', 'mb') }}
),

figures as (
    select * from {{ ref('int_figure_intervals') }}
    where measure in ('trade_value', 'growth_yoy_pct', 'change_value', 'trade_balance')
        and status in ('final', 'preliminary', 'estimate')
),

within as (
    select
        source_id, reporter, status, subject, measure, flow, period_id, commodity_hs, gate_id,
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
    group by source_id, reporter, status, subject, measure, flow, period_id, commodity_hs, gate_id
    having count(*) > 1
)

select
    kind || ':' || period_id || ':' || flow || ':' || measure || {{ trade_quantity_suffix('p') }}
        || ':' || source_id || '~' || b_source_id
        || case when reporter = 'unstated' and b_reporter = 'unstated' then ''
                when source_id = b_source_id or kind = 'reporter_gap' or reporter <> b_reporter
                    then ':' || reporter || '~' || b_reporter
                else '' end
        || case when status = 'final' and b_status = 'final' then ''
                else ':' || status || '~' || b_status end as check_id,
    kind as check_kind,
    case when kind = 'same_figure' and status = 'final' and b_status = 'final' then 'error'
         else 'info' end as severity,
    subject,
    measure,
    flow,
    period_id,
    period_start,
    period_end,
    case when source_id = b_source_id then source_id else source_id || ',' || b_source_id end
        as source_ids,
    source_id as expected_source_id,
    written as expected_as_written,
    b_source_id as observed_source_id,
    b_written as observed_as_written,
    figure_ids || ',' || b_figure_ids as figure_ids,
    value_unit,
    value_low as expected_low,
    value_high as expected_high,
    b_low as observed_low,
    b_high as observed_high,
    case when {{ trade_overlap('value_low', 'value_high', 'b_low', 'b_high') }}
        then 'consistent' else 'inconsistent' end as status,
    {{ trade_quantity_label('period_id', 'flow', 'measure', 'subject') }}
        || coalesce(' (HS ' || commodity_hs || ')', '') || coalesce(' (gate ' || gate_id || ')', '')
        || ': ' || source_id || {{ trade_fmt_standing('reporter', 'status') }} || ' says ' || written
        || ' (' || {{ trade_fmt_interval('value_low', 'value_high', 'value_unit') }} || '), '
        || b_source_id || {{ trade_fmt_standing('b_reporter', 'b_status') }} || ' says ' || b_written
        || ' (' || {{ trade_fmt_interval('b_low', 'b_high', 'value_unit') }} || '); '
        || {{ trade_fmt_gap('value_low', 'value_high', 'b_low', 'b_high', 'value_unit') }}
        || case kind
            when 'reporter_gap' then '; these are different reporters'' statistics, which differ by nature'
            when 'revision' then '; the final figure supersedes the '
                || case when status = 'final' then b_status else status end
                || case when status = 'preliminary' or b_status = 'preliminary' then ' figure' else '' end
            else '' end
        || '.' as explanation
from pairs as p

union all

select
    'within_source:' || period_id || ':' || flow || ':' || measure || {{ trade_quantity_suffix('w') }}
        || ':' || source_id
        || case when reporter <> 'unstated' then ':' || reporter else '' end
        || case when status <> 'final' then ':' || status else '' end as check_id,
    'within_source' as check_kind,
    case when status = 'final' then 'error' else 'info' end as severity,
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
                || '; ' || {{ trade_fmt_gap('hi_low', 'null', 'null', 'lo_high', 'value_unit') }}
        end || '.' as explanation
from within as w
