-- growth_vs_prior: the prior-period value a growth rate implies (current / (1 + g)) against
-- each source that states the prior-period value itself; expected = implied prior,
-- observed = stated prior. A growth rate whose prior period no source states is listed as
-- unverifiable, with the value it implies.
with priors as (
    select * from {{ ref('int_trade_prior_values') }}
),

stated as (
    select * from {{ ref('int_source_values') }}
    where basis = 'reported' and measure = 'trade_value'
),

matched as (
    select
        p.*,
        s.source_id as prior_source_id,
        s.figure_ids as prior_figure_ids,
        s.written as prior_written,
        s.value_low as prior_low,
        s.value_high as prior_high
    from priors as p
    left join stated as s
        on s.subject = p.subject and s.flow = p.flow and s.period_id = p.period_id
)

select
    'growth_vs_prior:' || growth_figure_id
        || coalesce('~' || prior_source_id, '') as check_id,
    'growth_vs_prior' as check_kind,
    'error' as severity,
    subject,
    'trade_value' as measure,
    flow,
    period_id,
    period_start,
    period_end,
    case when prior_source_id is null or prior_source_id = source_id then source_id
        else source_id || ',' || prior_source_id end as source_ids,
    source_id as expected_source_id,
    current_written || ' in ' || current_period_id || ' up ' || growth_written as expected_as_written,
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
        || ' up ' || growth_written || ' (' || {{ trade_fmt_interval('growth_low', 'growth_high', "'percent'") }}
        || '), which implies ' || {{ trade_fmt_interval('value_low', 'value_high', "'usd'") }}
        || ' for ' || period_id || '; '
        || case
            when prior_source_id is null then 'no source states ' || period_id || ' itself, so this cannot be checked'
            else prior_source_id || ' states ' || prior_written || ' ('
                || {{ trade_fmt_interval('prior_low', 'prior_high', "'usd'") }} || '); '
                || {{ trade_fmt_gap('value_low', 'value_high', 'prior_low', 'prior_high', "'usd'") }}
                || case when prior_high is not null and prior_low > 0 and current_low is not null then
                    ' (the two values together mean growth of '
                    || {{ trade_fmt_interval('(current_low / prior_high - 1) * 100',
                                             'case when current_high is not null then (current_high / prior_low - 1) * 100 end',
                                             "'percent'") }} || ')'
                    else '' end
        end || '.' as explanation
from matched
