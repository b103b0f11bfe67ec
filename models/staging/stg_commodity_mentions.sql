-- One row per named commodity and HS code, with a single-column key and the HS chapter.
select
    mention_id || ':' || hs_code as commodity_mention_key,
    mention_id,
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
    left(hs_code, 2) as chapter_code,
    case when hs_level = 'heading' then hs_code end as heading_code,
    hs_match,
    mapping_note,
    value,
    value_unit,
    volume,
    volume_unit
from {{ ref('commodity_mentions') }}
