-- HS 2022 headings (4 digits) with their chapter.
select
    hscode as heading_code,
    description as heading_description,
    parent as chapter_code,
    nullif(section, 'TOTAL') as section_code
from {{ ref('hs2022_headings') }}
