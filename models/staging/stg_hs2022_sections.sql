-- HS 2022 sections: Roman code, its number, trimmed name.
with sections_raw as (
    select * from {{ ref('hs2022_sections') }}
),

numerals as (
    select * from (values
        ('I', 1), ('II', 2), ('III', 3), ('IV', 4), ('V', 5), ('VI', 6), ('VII', 7),
        ('VIII', 8), ('IX', 9), ('X', 10), ('XI', 11), ('XII', 12), ('XIII', 13), ('XIV', 14),
        ('XV', 15), ('XVI', 16), ('XVII', 17), ('XVIII', 18), ('XIX', 19), ('XX', 20), ('XXI', 21)
    ) as t (roman, number)
)

select
    sections_raw.section as section_code,
    numerals.number as section_number,
    trim(sections_raw.name) as section_name
from sections_raw
left join numerals on numerals.roman = sections_raw.section
