-- Commodities the sources name, per direction, mapped to HS 2022: one row per direction,
-- commodity and HS code, with chapter and section and how many mentions back it.
select
    direction || '|' || commodity_id || '|' || hs_code as commodity_key,
    direction,
    commodity_id,
    min(commodity_name) as commodity_name,
    hs_level,
    hs_code,
    min(hs_description) as hs_description,
    chapter_code,
    min(chapter_description) as chapter_description,
    min(section_code) as section_code,
    min(section_number) as section_number,
    min(section_name) as section_name,
    min(hs_match) as hs_match,
    count(*) as mention_count,
    string_agg(distinct source_id, ', ' order by source_id) as source_ids,
    min(period_start) as first_period_start,
    max(period_end) as last_period_end
from {{ ref('int_commodity_hs') }}
group by direction, commodity_id, hs_level, hs_code, chapter_code
