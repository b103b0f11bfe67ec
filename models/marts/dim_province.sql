-- Provinces of Vietnam and Laos with validity dates, what each merged into and its current unit.
select
    provinces.province_id,
    provinces.country,
    provinces.province_name,
    provinces.province_name_ascii,
    provinces.name_variants,
    provinces.unit_type,
    provinces.valid_from,
    provinces.valid_to,
    provinces.valid_to is null as is_current,
    mergers.new_province_id as merged_into_province_id,
    merged_into.province_name as merged_into_name,
    mergers.effective_date as merged_on,
    mergers.change_kind,
    lineage.successor_province_id as current_province_id,
    current_unit.province_name as current_province_name,
    provinces.on_border,
    provinces.source_id,
    provinces.paragraph,
    provinces.reference_section,
    provinces.reference_address,
    provinces.note
from {{ ref('stg_provinces') }} as provinces
left join {{ ref('stg_province_mergers') }} as mergers
    on mergers.old_province_id = provinces.province_id
left join {{ ref('stg_provinces') }} as merged_into
    on merged_into.province_id = mergers.new_province_id
inner join {{ ref('int_province_lineage') }} as lineage
    on lineage.province_id = provinces.province_id
    and lineage.is_latest
inner join {{ ref('stg_provinces') }} as current_unit
    on current_unit.province_id = lineage.successor_province_id
