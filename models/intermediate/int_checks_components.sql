-- components: for each source and period where the source states or implies all three
-- flows, VN→LA exports plus LA→VN exports must fit the two-way total:
-- expected = vn_to_la + la_to_vn (interval sum), observed = total.
with source_values as (
    select * from {{ ref('int_source_values') }}
    where measure = 'trade_value'
),

joined as (
    select
        t.source_id,
        t.subject,
        t.period_id,
        t.period_start,
        t.period_end,
        t.figure_ids || ',' || e.figure_ids || ',' || i.figure_ids as figure_ids,
        e.value_low + i.value_low as expected_low,
        e.value_high + i.value_high as expected_high,
        t.value_low as observed_low,
        t.value_high as observed_high,
        e.written as e_written, e.value_low as e_low, e.value_high as e_high,
        i.written as i_written, i.value_low as i_low, i.value_high as i_high,
        t.written as t_written
    from source_values as t
    inner join source_values as e
        on e.source_id = t.source_id and e.subject = t.subject and e.period_id = t.period_id
        and e.flow = 'vn_to_la'
    inner join source_values as i
        on i.source_id = t.source_id and i.subject = t.subject and i.period_id = t.period_id
        and i.flow = 'la_to_vn'
    where t.flow = 'total'
)

select
    'components:' || period_id
        || case when subject <> 'bilateral_trade' then ':' || subject else '' end
        || ':' || source_id as check_id,
    'components' as check_kind,
    'error' as severity,
    subject,
    'trade_value' as measure,
    'total' as flow,
    period_id,
    period_start,
    period_end,
    source_id as source_ids,
    source_id as expected_source_id,
    'VN→LA ' || e_written || ' + LA→VN ' || i_written as expected_as_written,
    source_id as observed_source_id,
    'total ' || t_written as observed_as_written,
    figure_ids,
    'usd' as value_unit,
    round(expected_low, 2) as expected_low,
    round(expected_high, 2) as expected_high,
    observed_low,
    observed_high,
    case when {{ trade_overlap('expected_low', 'expected_high', 'observed_low', 'observed_high') }}
        then 'consistent' else 'inconsistent' end as status,
    {{ trade_quantity_label('period_id', "'total'", "'trade_value'", 'subject') }} || ', ' || source_id
        || ': VN→LA ' || e_written || ' (' || {{ trade_fmt_interval('e_low', 'e_high', "'usd'") }}
        || ') plus LA→VN ' || i_written || ' (' || {{ trade_fmt_interval('i_low', 'i_high', "'usd'") }}
        || ') gives ' || {{ trade_fmt_interval('expected_low', 'expected_high', "'usd'") }}
        || ', against a total of ' || t_written || ' ('
        || {{ trade_fmt_interval('observed_low', 'observed_high', "'usd'") }} || '); '
        || {{ trade_fmt_gap('expected_low', 'expected_high', 'observed_low', 'observed_high', "'usd'") }}
        || '.' as explanation
from joined
