-- One row per consistency check between figures (see the int_checks_* models for each kind),
-- with the gap between the expected and observed intervals and whether an analyst has
-- acknowledged an inconsistency in the known_discrepancies seed.
with checks as (
    select * from {{ ref('int_checks_same_figure') }}
    union all by name
    select * from {{ ref('int_checks_components') }}
    union all by name
    select * from {{ ref('int_checks_growth') }}
    union all by name
    select * from {{ ref('int_checks_periods') }}
    union all by name
    select * from {{ ref('int_checks_claims') }}
    union all by name
    select * from {{ ref('int_checks_coverage') }}
)

select
    c.check_id,
    c.check_kind,
    c.severity,
    c.period_id,
    c.period_start,
    c.period_end,
    c.flow,
    c.subject,
    c.measure,
    c.source_ids,
    c.figure_ids,
    c.expected_source_id,
    c.expected_as_written,
    c.observed_source_id,
    c.observed_as_written,
    c.value_unit,
    c.expected_low,
    c.expected_high,
    c.observed_low,
    c.observed_high,
    case when c.status = 'inconsistent'
        then round({{ trade_gap_low('c.expected_low', 'c.expected_high', 'c.observed_low', 'c.observed_high') }}, 4)
    end as gap_low,
    case when c.status = 'inconsistent'
        then round({{ trade_gap_high('c.expected_low', 'c.expected_high', 'c.observed_low', 'c.observed_high') }}, 4)
    end as gap_high,
    {{ trade_fmt_interval('c.expected_low', 'c.expected_high', 'c.value_unit') }} as expected_interval,
    {{ trade_fmt_interval('c.observed_low', 'c.observed_high', 'c.value_unit') }} as observed_interval,
    case when c.status = 'inconsistent' and c.check_kind <> 'published_early' then
        {{ trade_fmt_interval(trade_gap_low('c.expected_low', 'c.expected_high', 'c.observed_low', 'c.observed_high'),
                              trade_gap_high('c.expected_low', 'c.expected_high', 'c.observed_low', 'c.observed_high'),
                              'c.value_unit') }}
    end as gap,
    c.status,
    k.check_id is not null as is_acknowledged,
    k.acknowledgement,
    c.explanation
from checks as c
left join {{ ref('stg_known_discrepancies') }} as k using (check_id)
