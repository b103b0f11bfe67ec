-- One row per figure a source reports (reported_figures), typed and normalized: value in USD
-- for money, percent for growth and shares, times for ratios, count for counts, tonnes for
-- volumes (negative for declines); the interval [value_low, value_high] its written precision
-- and qualifier allow (NULL end = open); whose statistics it is and its standing.
select
    f.figure_id,
    f.source_id,
    s.published_on,
    i.period_id,
    f.period_start,
    f.period_end,
    f.flow,
    f.measure,
    f.subject,
    f.reporter,
    f.status,
    f.commodity_hs,
    f.gate_id,
    f.value,
    i.value_low,
    i.value_high,
    i.qualifier,
    f.value_unit,
    f.value_usd,
    f.value_as_written,
    f.value_upper_text as value_upper_as_written,
    f.unit_as_written,
    f.qualifier_as_written,
    i.written as figure_as_written,
    i.base_period_id,
    f.base_period_start,
    f.base_period_end,
    f.claim,
    f.paragraph,
    f.other_paragraphs,
    coalesce(s.published_on, s.published_not_before) <= f.period_end as published_before_period_end,
    f.note
from {{ ref('stg_reported_figures') }} as f
inner join {{ ref('int_figure_intervals') }} as i using (figure_id)
inner join {{ ref('stg_sources') }} as s on s.source_id = f.source_id
