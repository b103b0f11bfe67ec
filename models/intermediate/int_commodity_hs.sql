-- Commodity mentions with their HS heading (if mapped at heading level), chapter and section.
select
    mentions.commodity_mention_key,
    mentions.mention_id,
    mentions.source_id,
    mentions.paragraph,
    mentions.direction,
    mentions.period_start,
    mentions.period_end,
    mentions.period_basis,
    mentions.commodity_id,
    mentions.commodity_name,
    mentions.hs_level,
    mentions.hs_code,
    mentions.heading_code,
    mentions.chapter_code,
    mentions.hs_match,
    mentions.mapping_note,
    mentions.value,
    mentions.value_unit,
    mentions.volume,
    mentions.volume_unit,
    case mentions.hs_level
        when 'heading' then headings.heading_description
        else chapters.chapter_description
    end as hs_description,
    chapters.chapter_description,
    chapters.section_code,
    sections.section_number,
    sections.section_name
from {{ ref('stg_commodity_mentions') }} as mentions
left join {{ ref('stg_hs2022_headings') }} as headings
    on headings.heading_code = mentions.heading_code
left join {{ ref('stg_hs2022_chapters') }} as chapters
    on chapters.chapter_code = mentions.chapter_code
left join {{ ref('stg_hs2022_sections') }} as sections
    on sections.section_code = chapters.section_code
