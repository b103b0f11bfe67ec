-- Provinces of both countries with their validity dates.
select
    province_id,
    country,
    province_name,
    province_name_ascii,
    name_variants,
    unit_type,
    valid_from,
    valid_to,
    on_border,
    source_id,
    paragraph,
    reference_section,
    reference_address,
    note
from {{ ref('provinces') }}
