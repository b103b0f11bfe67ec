-- Every HS code in commodity_mentions exists in the HS 2022 seed at its level
-- (chapter: 2 digits in hs2022_chapters; heading: 4 digits in hs2022_headings).
select mentions.mention_id, mentions.hs_level, mentions.hs_code
from {{ ref('stg_commodity_mentions') }} as mentions
left join {{ ref('stg_hs2022_chapters') }} as chapters
    on mentions.hs_level = 'chapter' and chapters.chapter_code = mentions.hs_code
left join {{ ref('stg_hs2022_headings') }} as headings
    on mentions.hs_level = 'heading' and headings.heading_code = mentions.hs_code
where (mentions.hs_level = 'chapter' and chapters.chapter_code is null)
   or (mentions.hs_level = 'heading' and headings.heading_code is null)
   or mentions.hs_level not in ('chapter', 'heading')
