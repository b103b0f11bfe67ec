-- HS 2022 chapters (2 digits). The source files chapter 99 under section 'TOTAL',
-- which is not a section: it becomes NULL here.
select
    hscode as chapter_code,
    description as chapter_description,
    nullif(section, 'TOTAL') as section_code
from {{ ref('hs2022_chapters') }}
