-- Figures implied by the reported ones, by interval arithmetic:
--   prior_from_growth  the prior-period value a growth rate implies (int_trade_prior_values);
--   complement         per source, reporter, status and period, one flow from the other two:
--                      total = vn_to_la + la_to_vn  (low = low + low, high = high + high),
--                      vn_to_la = total - la_to_vn  (low = total_low - la_high, high = total_high - la_low),
--                      la_to_vn = total - vn_to_la  (likewise); a lower end with nothing known is 0.
with source_values as (
    select * from {{ ref('int_source_values') }}
    where measure = 'trade_value'
),

by_period as (
    select
        e.source_id, e.reporter, e.status, e.subject, e.period_id, e.period_start, e.period_end,
        e.commodity_hs, e.gate_id,
        'total' as target_flow,
        e.value_low + i.value_low as value_low,
        e.value_high + i.value_high as value_high,
        e.value + i.value as value,
        e.figure_ids || ',' || i.figure_ids as parent_figure_ids,
        'vn_to_la ' || {{ trade_fmt_interval('e.value_low', 'e.value_high', "'usd'") }}
            || ' plus la_to_vn ' || {{ trade_fmt_interval('i.value_low', 'i.value_high', "'usd'") }}
            as derivation_note
    from source_values as e
    inner join source_values as i
        on i.source_id = e.source_id and i.reporter = e.reporter and i.status = e.status
        and i.subject = e.subject and i.period_id = e.period_id
        and i.commodity_hs is not distinct from e.commodity_hs
        and i.gate_id is not distinct from e.gate_id
        and i.flow = 'la_to_vn'
    where e.flow = 'vn_to_la'

    union all

    select
        t.source_id, t.reporter, t.status, t.subject, t.period_id, t.period_start, t.period_end,
        t.commodity_hs, t.gate_id,
        case p.flow when 'vn_to_la' then 'la_to_vn' else 'vn_to_la' end as target_flow,
        greatest(coalesce(t.value_low - p.value_high, 0), 0) as value_low,
        t.value_high - coalesce(p.value_low, 0) as value_high,
        t.value - p.value as value,
        t.figure_ids || ',' || p.figure_ids as parent_figure_ids,
        'total ' || {{ trade_fmt_interval('t.value_low', 't.value_high', "'usd'") }}
            || ' minus ' || p.flow || ' ' || {{ trade_fmt_interval('p.value_low', 'p.value_high', "'usd'") }}
            as derivation_note
    from source_values as t
    inner join source_values as p
        on p.source_id = t.source_id and p.reporter = t.reporter and p.status = t.status
        and p.subject = t.subject and p.period_id = t.period_id
        and p.commodity_hs is not distinct from t.commodity_hs
        and p.gate_id is not distinct from t.gate_id
        and p.flow in ('vn_to_la', 'la_to_vn')
    where t.flow = 'total'
)

select
    derived_id,
    derivation,
    source_id,
    reporter,
    status,
    subject,
    measure,
    flow,
    commodity_hs,
    gate_id,
    period_id,
    period_start,
    period_end,
    value,
    value_low,
    value_high,
    parent_figure_ids,
    derivation_note
from {{ ref('int_trade_prior_values') }}

union all

select
    'complement:' || source_id || ':' || period_id || ':' || target_flow
        || case when reporter <> 'unstated' then ':' || reporter else '' end
        || case when status <> 'final' then ':' || status else '' end
        || coalesce(':hs' || commodity_hs, '') || coalesce(':gate' || gate_id, '')
        as derived_id,
    'complement' as derivation,
    source_id,
    reporter,
    status,
    subject,
    'trade_value' as measure,
    target_flow as flow,
    commodity_hs,
    gate_id,
    period_id,
    period_start,
    period_end,
    value,
    round(value_low, 2) as value_low,
    round(value_high, 2) as value_high,
    parent_figure_ids,
    derivation_note
from by_period
