-- Reported figures, typed and parsed. The written value is split into its sign, its
-- number (and the upper end of a range) and its precision: `decimals` counts the digits
-- after the decimal point, `sig_exponent` is the power of ten of the last non-zero digit
-- of a number written without one (780 -> 1). The unit is looked up in the units seed and
-- the qualifier word in qualifier_rules; blank optional columns take their defaults, and a
-- blank figure_id is derived from what the figure says, so it stays stable when rows move.
with raw as (
    select
        *,
        replace(trim(value), '−', '-') as value_written,
        regexp_matches(replace(trim(value), '−', '-'),
                       '^[+-]?[0-9][0-9.,]*\s*(-|–|to)\s*[0-9][0-9.,]*$') as is_range
    from {{ ref('reported_figures') }}
),

parts as (
    select
        *,
        case when starts_with(value_written, '-') then -1 else 1 end as sign,
        replace(regexp_extract(value_written, '^[+-]?([0-9][0-9.,]*)', 1), ',', '') as low_digits,
        case when is_range
            then replace(regexp_extract(value_written, '([0-9][0-9.,]*)$', 1), ',', '') end
            as high_digits
    from raw
),

typed as (
    select
        p.*,
        u.value_unit,
        u.multiplier as unit_multiplier,
        coalesce(length(split_part(low_digits, '.', 2)), 0) as decimals,
        coalesce(length(split_part(high_digits, '.', 2)), 0) as decimals_upper,
        case when contains(low_digits, '.') then -length(split_part(low_digits, '.', 2))
            else length(low_digits) - length(rtrim(low_digits, '0'))
        end as sig_exponent
    from parts as p
    left join {{ ref('units') }} as u using (unit)
)

select
    coalesce(nullif(trim(figure_id), ''),
        'f_' || source_id || '_' || paragraph || '_' || left(md5(concat_ws('|', value_written,
            unit, coalesce(lower(trim(qualifier)), ''), period_start, period_end, flow, measure,
            subject, reporter, status, commodity_hs, gate_id)), 6)) as figure_id,
    source_id,
    paragraph,
    other_paragraphs,
    value_written as value_as_written,
    low_digits as value_text,
    high_digits as value_upper_text,
    unit as unit_as_written,
    value_unit,
    unit_multiplier,
    sign,
    -- value in the normalized unit
    sign * low_digits::double * unit_multiplier as value,
    high_digits::double * unit_multiplier as value_upper,
    case when value_unit = 'usd' then sign * low_digits::double * unit_multiplier end as value_usd,
    decimals,
    decimals_upper,
    sig_exponent,
    coalesce(lower(trim(qualifier)), '') as qualifier_as_written,
    is_range,
    period_start,
    period_end,
    flow,
    measure,
    coalesce(nullif(trim(subject), ''), 'bilateral_trade') as subject,
    coalesce(nullif(lower(trim(reporter)), ''), 'unstated') as reporter,
    coalesce(nullif(lower(trim(status)), ''), 'final') as status,
    base_period_start,
    base_period_end,
    nullif(trim(commodity_hs), '') as commodity_hs,
    nullif(trim(gate_id), '') as gate_id,
    nullif(trim(claim), '') as claim,
    note
from typed
