-- Checks of growth rates and changes against values:
--   growth_vs_prior   the prior-period value a growth rate implies with its own source's
--                     current value (current / (1 + g)) against each source that states the
--                     prior-period value itself; unverifiable when none does;
--   growth_vs_values  a growth rate against the values other sources give for both periods
--                     (growth = current / prior - 1); this also checks a growth rate whose
--                     source gives no value beside it;
--   change_vs_values  an absolute change (down USD 166 M) against the values any sources
--                     give for both periods.
-- Only statements of the same statistics are compared (same reporter, or one unstated).
-- Severity error when every figure involved is final; a preliminary figure or an estimate
-- against final values is a revision (info).
with priors as (
    select * from {{ ref('int_trade_prior_values') }}
),

stated as (
    select * from {{ ref('int_source_values') }}
    where basis = 'reported' and measure = 'trade_value'
),

finals as (
    select * from stated where status = 'final'
),

matched as (
    select
        p.*,
        s.source_id as prior_source_id,
        s.reporter as prior_reporter,
        s.status as prior_status,
        s.figure_ids as prior_figure_ids,
        s.written as prior_written,
        s.value_low as prior_low,
        s.value_high as prior_high
    from priors as p
    left join stated as s
        on s.measure = 'trade_value' and {{ trade_same_quantity('p', 's') }}
        and {{ trade_reporters_compatible('p', 's') }}
),

moves as (
    select * from {{ ref('int_figure_intervals') }}
    where measure in ('growth_yoy_pct', 'change_value')
        and status in ('final', 'preliminary', 'estimate')
        and base_period_id is not null
),

against_values as (
    select
        m.*,
        b.source_id as b_source, b.written as b_written, b.figure_ids as b_figure_ids,
        b.value_low as b_low, b.value_high as b_high,
        c.source_id as c_source, c.written as c_written, c.figure_ids as c_figure_ids,
        c.value_low as c_low, c.value_high as c_high,
        case when m.measure = 'growth_yoy_pct' then
            case when c.value_high > 0 then (b.value_low / c.value_high - 1) * 100 end
        else b.value_low - c.value_high end as implied_low,
        case when m.measure = 'growth_yoy_pct' then
            case when c.value_low > 0 then (b.value_high / c.value_low - 1) * 100 end
        else b.value_high - c.value_low end as implied_high
    from moves as m
    inner join finals as b
        on b.subject = m.subject and b.flow = m.flow and b.period_id = m.period_id
        and b.commodity_hs is not distinct from m.commodity_hs
        and b.gate_id is not distinct from m.gate_id
        and {{ trade_reporters_compatible('m', 'b') }}
    inner join finals as c
        on c.subject = m.subject and c.flow = m.flow and c.period_id = m.base_period_id
        and c.commodity_hs is not distinct from m.commodity_hs
        and c.gate_id is not distinct from m.gate_id
        and {{ trade_reporters_compatible('m', 'c') }} and {{ trade_reporters_compatible('b', 'c') }}
    -- a growth rate against its own source's two values is growth_vs_prior's check
    where m.measure = 'change_value' or not (b.source_id = m.source_id and c.source_id = m.source_id)
)

select
    'growth_vs_prior:' || growth_figure_id
        || coalesce('~' || prior_source_id
            || case when prior_reporter <> reporter then ':' || prior_reporter else '' end
            || case when prior_status <> 'final' then ':' || prior_status else '' end, '')
        as check_id,
    'growth_vs_prior' as check_kind,
    case when status = 'final' and coalesce(prior_status, 'final') = 'final' then 'error'
         else 'info' end as severity,
    subject,
    'trade_value' as measure,
    flow,
    period_id,
    period_start,
    period_end,
    case when prior_source_id is null or prior_source_id = source_id then source_id
        else source_id || ',' || prior_source_id end as source_ids,
    source_id as expected_source_id,
    current_written || ' in ' || current_period_id || ' ' || growth_move as expected_as_written,
    prior_source_id as observed_source_id,
    prior_written as observed_as_written,
    parent_figure_ids || coalesce(',' || prior_figure_ids, '') as figure_ids,
    'usd' as value_unit,
    value_low as expected_low,
    value_high as expected_high,
    prior_low as observed_low,
    prior_high as observed_high,
    case
        when prior_source_id is null then 'unverifiable'
        when {{ trade_overlap('value_low', 'value_high', 'prior_low', 'prior_high') }} then 'consistent'
        else 'inconsistent'
    end as status,
    {{ trade_quantity_label('period_id', 'flow', "'trade_value'", 'subject') }} || ': '
        || source_id || ' gives ' || current_written || ' for ' || current_period_id
        || ', ' || growth_move || ' (' || {{ trade_fmt_interval('growth_low', 'growth_high', "'percent'") }}
        || '), which implies ' || {{ trade_fmt_interval('value_low', 'value_high', "'usd'") }}
        || ' for ' || period_id || '; '
        || case
            when prior_source_id is null then 'no source states ' || period_id || ' itself, so this cannot be checked'
            else prior_source_id || ' states ' || prior_written || ' ('
                || {{ trade_fmt_interval('prior_low', 'prior_high', "'usd'") }} || '); '
                || {{ trade_fmt_gap('value_low', 'value_high', 'prior_low', 'prior_high', "'usd'") }}
                || case when prior_high is not null and prior_low > 0 and current_low is not null then
                    ' (the two values together mean '
                    || {{ trade_fmt_change('(current_low / prior_high - 1) * 100',
                                           'case when current_high is not null then (current_high / prior_low - 1) * 100 end',
                                           "'percent'") }} || ')'
                    else '' end
        end || '.' as explanation
from matched

union all

select
    case measure when 'growth_yoy_pct' then 'growth_vs_values:' else 'change_vs_values:' end
        || figure_id || '~' || b_source || '+' || c_source as check_id,
    case measure when 'growth_yoy_pct' then 'growth_vs_values' else 'change_vs_values' end
        as check_kind,
    case when status = 'final' then 'error' else 'info' end as severity,
    subject,
    measure,
    flow,
    period_id,
    period_start,
    period_end,
    array_to_string(list_sort(list_distinct([source_id, b_source, c_source])), ',') as source_ids,
    source_id as expected_source_id,
    written_move || ' from ' || base_period_id as expected_as_written,
    case when b_source = c_source then b_source else b_source || '+' || c_source end
        as observed_source_id,
    b_written || ' in ' || period_id || ' against ' || c_written || ' in ' || base_period_id
        as observed_as_written,
    figure_id || ',' || b_figure_ids || ',' || c_figure_ids as figure_ids,
    value_unit,
    value_low as expected_low,
    value_high as expected_high,
    round(implied_low, 4) as observed_low,
    round(implied_high, 4) as observed_high,
    case when {{ trade_overlap('value_low', 'value_high', 'implied_low', 'implied_high') }}
        then 'consistent' else 'inconsistent' end as status,
    {{ trade_quantity_label('period_id', 'flow', 'measure', 'subject') }} || ': '
        || source_id || {{ trade_fmt_standing('reporter', 'status') }} || ' says ' || written_move
        || ' from ' || base_period_id || ' ('
        || {{ trade_fmt_interval('value_low', 'value_high', 'value_unit') }} || '); '
        || b_source || ' gives ' || b_written || ' for ' || period_id || ' and '
        || c_source || ' gives ' || c_written || ' for ' || base_period_id || ', '
        || {{ trade_fmt_change('implied_low', 'implied_high', 'value_unit') }} || '; '
        || {{ trade_fmt_gap('value_low', 'value_high', 'implied_low', 'implied_high', 'value_unit') }}
        || case when status <> 'final' and not {{ trade_overlap('value_low', 'value_high', 'implied_low', 'implied_high') }}
            then '; the final values rule the ' || status || ' out' else '' end
        || '.' as explanation
from against_values
