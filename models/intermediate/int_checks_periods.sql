-- Checks between periods of different length:
--   cumulative  within one year, a period starting 1 January can only grow as it gets longer
--               (Q1 <= H1 <= 9M <= year): for each pair of such periods, from any sources,
--               the longer one must be at least the lower end of the shorter;
--               expected = [shorter_low, open], observed = longer.
--   multi_year  a figure for a span of several years against the sum of the best estimates
--               of the years and part-years inside it; pieces no source gives make the sum
--               a lower bound only, and the check unverifiable unless that bound is broken.
with source_values as (
    select * from {{ ref('int_source_values') }}
    where measure = 'trade_value' and status = 'final'
),

ytd as (
    select *, year(period_start) as yr
    from source_values
    where month(period_start) = 1 and day(period_start) = 1
        and year(period_end) = year(period_start)
),

cumulative as (
    select
        'cumulative:' || a.yr || ':' || a.flow || {{ trade_quantity_suffix('a') }}
            || ':' || a.period_id || '<=' || b.period_id
            || ':' || a.source_id || '~' || b.source_id
            || case when a.reporter <> b.reporter then ':' || a.reporter || '~' || b.reporter
                    else '' end as check_id,
        'cumulative' as check_kind,
        'error' as severity,
        a.subject,
        'trade_value' as measure,
        a.flow,
        b.period_id,
        b.period_start,
        b.period_end,
        case when a.source_id = b.source_id then a.source_id
            else a.source_id || ',' || b.source_id end as source_ids,
        a.source_id as expected_source_id,
        a.written || ' for ' || a.period_id as expected_as_written,
        b.source_id as observed_source_id,
        b.written || ' for ' || b.period_id as observed_as_written,
        a.figure_ids || ',' || b.figure_ids as figure_ids,
        'usd' as value_unit,
        a.value_low as expected_low,
        null::double as expected_high,
        b.value_low as observed_low,
        b.value_high as observed_high,
        case when a.value_low is null or b.value_high is null or a.value_low <= b.value_high
            then 'consistent' else 'inconsistent' end as status,
        {{ trade_quantity_label('a.period_id', 'a.flow', "'trade_value'", 'a.subject') }}
            || ' against ' || b.period_id || ': ' || a.source_id || ' gives ' || a.written
            || ' (' || {{ trade_fmt_interval('a.value_low', 'a.value_high', "'usd'") }} || ') for '
            || a.period_id || ', ' || b.source_id || ' gives ' || b.written
            || ' (' || {{ trade_fmt_interval('b.value_low', 'b.value_high', "'usd'") }} || ') for '
            || b.period_id || '; '
            || case when a.value_low is null or b.value_high is null or a.value_low <= b.value_high
                then 'the longer period can hold the shorter one'
                else 'the longer period is smaller by at least '
                    || {{ trade_fmt_interval('a.value_low - b.value_high', 'null', "'usd'") }}
            end || '.' as explanation
    from ytd as a
    inner join ytd as b
        on b.subject = a.subject and b.flow = a.flow and b.yr = a.yr
        and b.commodity_hs is not distinct from a.commodity_hs
        and b.gate_id is not distinct from a.gate_id
        and {{ trade_reporters_compatible('a', 'b') }}
        and b.period_end > a.period_end
),

spans as (
    select v.*
    from source_values as v
    where v.basis = 'reported' and year(v.period_end) > year(v.period_start)
),

pieces as (
    select
        s.source_id, s.reporter, s.subject, s.flow, s.period_id, s.period_start, s.period_end,
        s.commodity_hs, s.gate_id, s.figure_ids, s.written, s.value_low, s.value_high,
        greatest(s.period_start, make_date(y.yr::int, 1, 1)) as piece_start,
        least(s.period_end, make_date(y.yr::int, 12, 31)) as piece_end
    from spans as s,
        lateral (select unnest(range(year(s.period_start), year(s.period_end) + 1)) as yr) as y
),

pieces_valued as (
    select
        p.*,
        {{ trade_period_id('p.piece_start', 'p.piece_end') }} as piece_id,
        e.estimate_low_usd as piece_low,
        e.estimate_high_usd as piece_high,
        e.basis as piece_basis,
        e.agreeing_source_ids as piece_sources,
        e.period_id is not null as piece_known
    from pieces as p
    left join {{ ref('int_trade_estimates') }} as e
        on e.subject = p.subject and e.flow = p.flow and e.is_headline
        and e.commodity_hs is not distinct from p.commodity_hs
        and e.gate_id is not distinct from p.gate_id
        and e.period_start = p.piece_start and e.period_end = p.piece_end
),

multi as (
    select
        source_id, reporter, subject, flow, period_id, period_start, period_end, commodity_hs,
        gate_id, figure_ids, written, value_low, value_high,
        count(*) as n_pieces,
        count(*) filter (where piece_known) as n_known,
        coalesce(sum(piece_low) filter (where piece_known), 0) as known_low,
        sum(piece_high) filter (where piece_known) as known_high,
        count(*) filter (where piece_known and piece_high is null) as n_open,
        string_agg(
            piece_id || ' ' || case when piece_known
                then {{ trade_fmt_interval('piece_low', 'piece_high', "'usd'") }}
                    || ' (' || case when piece_basis = 'derived' then 'derived from ' else '' end
                    || coalesce(piece_sources, 'no source') || ')'
                else 'not in the warehouse' end,
            ', ' order by piece_start) as pieces_text,
        string_agg(piece_id, ', ' order by piece_start) filter (where not piece_known) as missing
    from pieces_valued
    group by all
),

multi_checks as (
    select
        *,
        case when n_known = n_pieces and n_open = 0 then known_high end as expected_high,
        case
            when value_high is not null and known_low > value_high then 'inconsistent'
            when n_known = n_pieces and n_open = 0
                and not {{ trade_overlap('known_low', 'known_high', 'value_low', 'value_high') }}
                then 'inconsistent'
            when n_known = n_pieces and n_open = 0 then 'consistent'
            else 'unverifiable'
        end as status
    from multi
)

select * from cumulative

union all

select
    'multi_year:' || period_id || ':' || flow || {{ trade_quantity_suffix('multi_checks') }}
        || ':' || source_id || case when reporter <> 'unstated' then ':' || reporter else '' end
        as check_id,
    'multi_year' as check_kind,
    'error' as severity,
    subject,
    'trade_value' as measure,
    flow,
    period_id,
    period_start,
    period_end,
    source_id as source_ids,
    'warehouse' as expected_source_id,
    'sum of the periods inside' as expected_as_written,
    source_id as observed_source_id,
    written as observed_as_written,
    figure_ids,
    'usd' as value_unit,
    known_low as expected_low,
    expected_high,
    value_low as observed_low,
    value_high as observed_high,
    status,
    {{ trade_quantity_label('period_id', 'flow', "'trade_value'", 'subject') }} || ': '
        || source_id || ' gives ' || written || ' ('
        || {{ trade_fmt_interval('value_low', 'value_high', "'usd'") }} || '); the periods inside it: '
        || pieces_text || '; '
        || case
            when status = 'inconsistent' and expected_high is null then
                'the known parts alone already exceed the total by at least '
                || {{ trade_fmt_interval('known_low - value_high', 'null', "'usd'") }}
            when status = 'inconsistent' then
                'they add up to ' || {{ trade_fmt_interval('known_low', 'expected_high', "'usd'") }} || ', '
                || {{ trade_fmt_gap('known_low', 'expected_high', 'value_low', 'value_high', "'usd'") }}
            when status = 'consistent' then
                'they add up to ' || {{ trade_fmt_interval('known_low', 'expected_high', "'usd'") }}
                || ', which fits'
            else
                'the known parts add up to ' || {{ trade_fmt_interval('known_low', 'known_high', "'usd'") }}
                || ', which fits, leaving '
                || {{ trade_fmt_interval('greatest(value_low - known_high, 0)', 'value_high - known_low', "'usd'") }}
                || ' for ' || missing
        end || '.' as explanation
from multi_checks
