-- Each reported figure as the interval its written precision and qualifier allow. The rule
-- of the qualifier word (seed qualifier_rules) gives the ends in half-units h around the
-- value: h is half a unit of the last written digit (precision written) or of the last
-- non-zero digit (precision significant). A blank step is an open end. The rule applies to
-- the size of the number: a negative value (a decline) mirrors it. A range a-b is
-- [a - h(a), b + h(b)]; an exact count is an integer and carries no rounding.
with f as (
    select
        f.*,
        case when f.is_range then 'range' else r.rule end as rule,
        r.low_steps,
        r.high_steps,
        0.5 * pow(10, case when r.precision = 'significant' then f.sig_exponent
                           else -f.decimals end) * f.unit_multiplier as h,
        0.5 * pow(10, -f.decimals) * f.unit_multiplier as h_written,
        0.5 * pow(10, -f.decimals_upper) * f.unit_multiplier as h_upper
    from {{ ref('stg_reported_figures') }} as f
    left join {{ ref('stg_qualifier_rules') }} as r on r.qualifier = f.qualifier_as_written
),

magnitude as (
    select
        *,
        abs(value) as size,
        case
            when rule = 'range' then abs(value) - h_written
            when value_unit = 'count' and rule = 'exact' then abs(value)
            else abs(value) + low_steps * h
        end as size_low,
        case
            when rule = 'range' then value_upper + h_upper
            when value_unit = 'count' and rule = 'exact' then abs(value)
            else abs(value) + high_steps * h
        end as size_high
    from f
),

bounds as (
    select
        *,
        case when sign < 0 then -size_high else size_low end as raw_low,
        case when sign < 0 then -size_low else size_high end as raw_high,
        measure not in ('growth_yoy_pct', 'change_value', 'trade_balance') as never_negative,
        case rule when 'about' then 'about ' when 'more_than' then 'more than '
                  when 'almost' then 'almost ' when 'under' then 'under '
                  when 'at_least' then 'at least ' else '' end as rule_word,
        case
            when value_unit = 'usd' then 'USD ' || value_text
                || case when value_upper_text is not null then '–' || value_upper_text else '' end
                || case unit_as_written when 'usd_billion' then ' bn' when 'usd_million' then ' M'
                                        when 'usd_thousand' then ' thousand' else '' end
            when value_unit = 'percent' then value_text
                || case when value_upper_text is not null then '–' || value_upper_text else '' end
                || '%'
            when value_unit = 'percentage_points' then value_text || ' points'
            when value_unit = 'times' then value_text || ' times'
            when value_unit = 'tonne' then value_text
                || case unit_as_written when 'thousand_tonne' then ' thousand tonnes'
                                        else ' tonnes' end
            else value_text || case when value_upper_text is not null
                                    then '–' || value_upper_text else '' end
        end as number_words
    from magnitude
)

select
    figure_id,
    source_id,
    paragraph,
    subject,
    measure,
    flow,
    reporter,
    status,
    commodity_hs,
    gate_id,
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
    rule as qualifier,
    qualifier_as_written,
    claim,
    h as half_unit,
    -- amounts and counts cannot be negative; rounded to 6 decimals to drop binary noise
    round(case when never_negative then greatest(raw_low, 0) else raw_low end, 6) as value_low,
    round(raw_high, 6) as value_high,
    -- the figure in words, for explanations: 'USD 2.25 bn', 'more than USD 1.47 bn', '-20%'
    rule_word || case when sign < 0 then '-' else '' end || number_words as written,
    -- a growth rate or change read as a movement: 'up 57%', 'down about 20%'
    case when measure in ('growth_yoy_pct', 'change_value')
        then case when sign < 0 then 'down ' else 'up ' end || rule_word || number_words
    end as written_move
from bounds
