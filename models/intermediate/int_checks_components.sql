-- components: VN→LA exports plus LA→VN exports must fit the two-way total, for each
-- period: expected = vn_to_la + la_to_vn (interval sum), observed = total. The flows and the
-- total may come from one source or from different sources (one source's flows against
-- another's total), as long as they are the same statistics (same reporter, or unstated)
-- and final; one check per combination. Severity error, except between different standings.
-- balance_vs_flows: a stated trade balance (VN exports minus imports from Laos) against the
-- flows any source gives for the same period.
with source_values as (
    select * from {{ ref('int_source_values') }}
    where basis = 'reported' and status = 'final'
),

values_ as (
    select * from source_values where measure = 'trade_value'
),

joined as (
    select
        t.subject, t.period_id, t.period_start, t.period_end, t.commodity_hs, t.gate_id,
        t.source_id as t_source, e.source_id as e_source, i.source_id as i_source,
        t.reporter as t_reporter,
        t.figure_ids || ',' || e.figure_ids || ',' || i.figure_ids as figure_ids,
        e.value_low + i.value_low as expected_low,
        e.value_high + i.value_high as expected_high,
        t.value_low as observed_low,
        t.value_high as observed_high,
        e.written as e_written, e.value_low as e_low, e.value_high as e_high,
        i.written as i_written, i.value_low as i_low, i.value_high as i_high,
        t.written as t_written
    from values_ as t
    inner join values_ as e
        on e.flow = 'vn_to_la' and e.subject = t.subject and e.period_id = t.period_id
        and e.commodity_hs is not distinct from t.commodity_hs
        and e.gate_id is not distinct from t.gate_id
        and {{ trade_reporters_compatible('t', 'e') }}
    inner join values_ as i
        on i.flow = 'la_to_vn' and i.subject = t.subject and i.period_id = t.period_id
        and i.commodity_hs is not distinct from t.commodity_hs
        and i.gate_id is not distinct from t.gate_id
        and {{ trade_reporters_compatible('t', 'i') }} and {{ trade_reporters_compatible('e', 'i') }}
    where t.flow = 'total'
),

balances as (
    select
        b.*,
        e.source_id as e_source, e.written as e_written, e.figure_ids as e_figure_ids,
        e.value_low as e_low, e.value_high as e_high,
        i.source_id as i_source, i.written as i_written, i.figure_ids as i_figure_ids,
        i.value_low as i_low, i.value_high as i_high
    from source_values as b
    inner join values_ as e
        on e.flow = 'vn_to_la' and e.subject = b.subject and e.period_id = b.period_id
        and e.commodity_hs is not distinct from b.commodity_hs
        and e.gate_id is not distinct from b.gate_id
        and {{ trade_reporters_compatible('b', 'e') }}
    inner join values_ as i
        on i.flow = 'la_to_vn' and i.subject = b.subject and i.period_id = b.period_id
        and i.commodity_hs is not distinct from b.commodity_hs
        and i.gate_id is not distinct from b.gate_id
        and {{ trade_reporters_compatible('b', 'i') }} and {{ trade_reporters_compatible('e', 'i') }}
    where b.measure = 'trade_balance'
)

select
    'components:' || period_id || {{ trade_quantity_suffix('j') }} || ':' || t_source
        || case when e_source = t_source and i_source = t_source then ''
                else '~' || e_source || '+' || i_source end as check_id,
    'components' as check_kind,
    'error' as severity,
    subject,
    'trade_value' as measure,
    'total' as flow,
    period_id,
    period_start,
    period_end,
    array_to_string(list_sort(list_distinct([t_source, e_source, i_source])), ',') as source_ids,
    case when e_source = i_source then e_source else e_source || '+' || i_source end
        as expected_source_id,
    'VN→LA ' || e_written || ' + LA→VN ' || i_written as expected_as_written,
    t_source as observed_source_id,
    'total ' || t_written as observed_as_written,
    figure_ids,
    'usd' as value_unit,
    round(expected_low, 2) as expected_low,
    round(expected_high, 2) as expected_high,
    observed_low,
    observed_high,
    case when {{ trade_overlap('expected_low', 'expected_high', 'observed_low', 'observed_high') }}
        then 'consistent' else 'inconsistent' end as status,
    {{ trade_quantity_label('period_id', "'total'", "'trade_value'", 'subject') }}
        || case when e_source = t_source and i_source = t_source then ', ' || t_source || ': '
                else ': ' end
        || 'VN→LA ' || e_written
        || ' (' || case when e_source <> t_source or i_source <> t_source then e_source || ': ' else '' end
        || {{ trade_fmt_interval('e_low', 'e_high', "'usd'") }}
        || ') plus LA→VN ' || i_written
        || ' (' || case when e_source <> t_source or i_source <> t_source then i_source || ': ' else '' end
        || {{ trade_fmt_interval('i_low', 'i_high', "'usd'") }}
        || ') gives ' || {{ trade_fmt_interval('expected_low', 'expected_high', "'usd'") }}
        || ', against a total of ' || t_written
        || ' (' || case when e_source <> t_source or i_source <> t_source then t_source || ': ' else '' end
        || {{ trade_fmt_interval('observed_low', 'observed_high', "'usd'") }} || '); '
        || {{ trade_fmt_gap('expected_low', 'expected_high', 'observed_low', 'observed_high', "'usd'") }}
        || '.' as explanation
from joined as j

union all

select
    'balance_vs_flows:' || period_id || {{ trade_quantity_suffix('b') }} || ':' || source_id
        || '~' || e_source || '+' || i_source as check_id,
    'balance_vs_flows' as check_kind,
    'error' as severity,
    subject,
    'trade_balance' as measure,
    'total' as flow,
    period_id,
    period_start,
    period_end,
    array_to_string(list_sort(list_distinct([source_id, e_source, i_source])), ',') as source_ids,
    e_source || '+' || i_source as expected_source_id,
    'VN→LA ' || e_written || ' − LA→VN ' || i_written as expected_as_written,
    source_id as observed_source_id,
    'balance ' || written as observed_as_written,
    figure_ids || ',' || e_figure_ids || ',' || i_figure_ids as figure_ids,
    'usd' as value_unit,
    round(e_low - i_high, 2) as expected_low,
    round(e_high - i_low, 2) as expected_high,
    value_low as observed_low,
    value_high as observed_high,
    case when {{ trade_overlap('e_low - i_high', 'e_high - i_low', 'value_low', 'value_high') }}
        then 'consistent' else 'inconsistent' end as status,
    {{ trade_quantity_label('period_id', "'total'", "'trade_balance'", 'subject') }} || ': '
        || source_id || ' states a balance of ' || written || ' ('
        || {{ trade_fmt_interval('value_low', 'value_high', "'usd'") }} || '); VN→LA ' || e_written
        || ' (' || e_source || ') minus LA→VN ' || i_written || ' (' || i_source || ') gives '
        || {{ trade_fmt_interval('e_low - i_high', 'e_high - i_low', "'usd'") }} || '; '
        || {{ trade_fmt_gap('e_low - i_high', 'e_high - i_low', 'value_low', 'value_high', "'usd'") }}
        || '.' as explanation
from balances as b
