-- Every figure appears in at least one check; a figure no check could use gets a row here
-- (check_kind unchecked, status unverifiable) saying why, so nothing is dropped silently.
with checked as (
    select distinct unnest(string_split(figure_ids, ',')) as figure_id
    from (
        select figure_ids from {{ ref('int_checks_same_figure') }}
        union all select figure_ids from {{ ref('int_checks_components') }}
        union all select figure_ids from {{ ref('int_checks_growth') }}
        union all select figure_ids from {{ ref('int_checks_periods') }}
        union all select figure_ids from {{ ref('int_checks_claims') }}
    )
)

select
    'unchecked:' || f.figure_id as check_id,
    'unchecked' as check_kind,
    'info' as severity,
    f.subject,
    f.measure,
    f.flow,
    f.period_id,
    f.period_start,
    f.period_end,
    f.source_id as source_ids,
    f.source_id as expected_source_id,
    f.written as expected_as_written,
    null as observed_source_id,
    null as observed_as_written,
    f.figure_id as figure_ids,
    f.value_unit,
    f.value_low as expected_low,
    f.value_high as expected_high,
    null::double as observed_low,
    null::double as observed_high,
    'unverifiable' as status,
    {{ trade_quantity_label('f.period_id', 'f.flow', 'f.measure', 'f.subject') }} || ': '
        || f.source_id || ' says ' || f.written || ' (' || f.figure_id || '); '
        || case
            when f.status in ('target', 'forecast') then 'a ' || f.status
                || ' is not a measured value, so no figure can confirm or contradict it'
            when f.measure in ('count', 'share_pct', 'volume', 'percentage_points') then
                'no check compares '
                || case f.measure when 'share_pct' then 'shares' when 'volume' then 'volumes'
                                  when 'count' then 'counts' else 'percentage-point figures' end
                || ' yet'
            when f.measure in ('growth_yoy_pct', 'change_value') then
                'no source gives values for both ' || f.period_id || ' and '
                || coalesce(f.base_period_id, 'the period it is measured from')
                || ', so it cannot be checked'
            when f.period_id = 'unspecified' then 'it names no period, so it cannot be checked'
            else 'no other figure speaks of the same quantity, so nothing confirms or contradicts it'
        end || '.' as explanation
from {{ ref('int_figure_intervals') }} as f
where f.figure_id not in (select figure_id from checked)
