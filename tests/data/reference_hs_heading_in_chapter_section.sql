-- Each HS heading starts with its chapter code and sits in the same section as its chapter.
select headings.heading_code, headings.chapter_code, headings.section_code, chapters.section_code as chapter_section
from {{ ref('stg_hs2022_headings') }} as headings
left join {{ ref('stg_hs2022_chapters') }} as chapters
    on chapters.chapter_code = headings.chapter_code
where chapters.chapter_code is null
   or left(headings.heading_code, 2) <> headings.chapter_code
   or headings.section_code is distinct from chapters.section_code
