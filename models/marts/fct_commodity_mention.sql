-- One row per commodity a source names in a paragraph and HS code it maps to.
select
    commodity_mention_key,
    mention_id,
    direction || '|' || commodity_id || '|' || hs_code as commodity_key,
    source_id,
    paragraph,
    direction,
    period_start,
    period_end,
    period_basis,
    commodity_id,
    commodity_name,
    hs_level,
    hs_code,
    chapter_code,
    section_code,
    hs_match,
    mapping_note,
    value,
    value_unit,
    volume,
    volume_unit
from {{ ref('int_commodity_hs') }}
