-- Reported figures, typed, with money normalized to USD (value_usd) and every value in a
-- normalized unit (USD, percent, times, count). decimals is the number of digits written
-- after the decimal point (from value_text), which fixes the precision of the figure.
with typed as (
    select
        figure_id,
        source_id,
        paragraph,
        other_paragraphs,
        value,
        trim(value_text) as value_text,
        value_upper,
        trim(value_upper_text) as value_upper_text,
        unit as unit_as_written,
        qualifier,
        qualifier_as_written,
        period_start,
        period_end,
        period_label,
        flow,
        measure,
        base_period_start,
        base_period_end,
        subject,
        claim,
        note,
        case unit
            when 'usd_billion' then 1000000000
            when 'usd_million' then 1000000
            else 1
        end as unit_multiplier,
        case
            when unit in ('usd_billion', 'usd_million') then 'usd'
            else unit
        end as value_unit
    from {{ ref('reported_figures') }}
)

select
    figure_id,
    source_id,
    paragraph,
    other_paragraphs,
    value as value_as_written,
    value_text,
    value_upper as value_upper_as_written,
    value_upper_text,
    unit_as_written,
    value_unit,
    unit_multiplier,
    -- value in the normalized unit; exact decimal arithmetic, then double
    (value * unit_multiplier)::double as value,
    (value_upper * unit_multiplier)::double as value_upper,
    case when value_unit = 'usd' then (value * unit_multiplier)::double end as value_usd,
    coalesce(length(split_part(value_text, '.', 2)), 0) as decimals,
    coalesce(length(split_part(value_upper_text, '.', 2)), 0) as decimals_upper,
    qualifier,
    qualifier_as_written,
    period_start,
    period_end,
    period_label,
    flow,
    measure,
    base_period_start,
    base_period_end,
    subject,
    claim,
    note
from typed
