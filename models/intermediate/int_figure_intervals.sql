-- Each reported figure as the interval its written precision and qualifier allow.
-- half_unit = half a unit of the last written digit, in the normalized unit (USD, percent ...):
--   exact      [v - half, v + half]           "USD 2.25 billion" -> 2.245 .. 2.255 bn
--   about      [v - 2 half, v + 2 half]       widened to a whole unit of the last digit
--   more_than  [v, open]                      "more than 1.47 billion"
--   under      [open, v]
--   almost     [v - half, v]                  below v, but would round to v as written
--   range      [v - half, v_upper + half_upper]
-- An exact count is an integer and carries no rounding: [v, v].
with f as (
    select
        *,
        0.5 * pow(10, -decimals) * unit_multiplier as half_unit,
        0.5 * pow(10, -decimals_upper) * unit_multiplier as half_unit_upper
    from {{ ref('stg_reported_figures') }}
),

bounds as (
    select
        *,
        case
            when value_unit = 'count' and qualifier = 'exact' then value
            when qualifier = 'exact' then value - half_unit
            when qualifier = 'about' then value - 2 * half_unit
            when qualifier = 'more_than' then value
            when qualifier = 'almost' then value - half_unit
            when qualifier = 'range' then value - half_unit
        end as raw_low,
        case
            when value_unit = 'count' and qualifier = 'exact' then value
            when qualifier = 'exact' then value + half_unit
            when qualifier = 'about' then value + 2 * half_unit
            when qualifier = 'under' then value
            when qualifier = 'almost' then value
            when qualifier = 'range' then value_upper + half_unit_upper
        end as raw_high
    from f
)

select
    figure_id,
    source_id,
    paragraph,
    subject,
    measure,
    flow,
    period_start,
    period_end,
    {{ trade_period_id('period_start', 'period_end') }} as period_id,
    base_period_start,
    base_period_end,
    case when base_period_start is not null
        then {{ trade_period_id('base_period_start', 'base_period_end') }}
    end as base_period_id,
    value_unit,
    value,
    value_upper,
    qualifier,
    claim,
    half_unit,
    -- money and counts cannot be negative
    -- rounded to 6 decimals to drop binary noise (38.2 - 0.05 = 38.150000000000006)
    round(case when value_unit in ('usd', 'count', 'times') then greatest(raw_low, 0) else raw_low end, 6)
        as value_low,
    round(raw_high, 6) as value_high,
    -- the figure as written, for explanations: 'USD 2.25 bn', 'more than USD 1.47 bn', '57%'
    case qualifier
        when 'about' then 'about '
        when 'more_than' then 'more than '
        when 'almost' then 'almost '
        when 'under' then 'under '
        else ''
    end
    || case
        when value_unit = 'usd' then 'USD ' || value_text
            || case when value_upper_text is not null then '–' || value_upper_text else '' end
            || case unit_as_written when 'usd_billion' then ' bn' else ' M' end
        when value_unit = 'percent' then value_text || '%'
        when value_unit = 'times' then value_text || ' times'
        else value_text
    end as written
from bounds
