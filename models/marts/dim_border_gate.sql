-- Border gate pairs: Vietnamese gate with its original and current province, Lao gate and
-- province, class and opening date.
with current_province as (
    select gate_pair_id, vn_province_id, vn_province_name
    from {{ ref('int_gate_province_history') }}
    where is_current
)

select
    gates.gate_pair_id,
    gates.vn_gate_name,
    gates.vn_gate_name_ascii,
    gates.vn_original_province_id,
    original_province.province_name as vn_original_province_name,
    current_province.vn_province_id as vn_current_province_id,
    current_province.vn_province_name as vn_current_province_name,
    current_province.vn_province_id <> gates.vn_original_province_id as vn_province_changed,
    gates.la_gate_name,
    gates.la_gate_name_variants,
    gates.la_province_id,
    la_province.province_name as la_province_name,
    gates.gate_type,
    gates.gate_type_note,
    gates.opened_on,
    gates.opened_on_basis,
    gates.date_note,
    gates.doc_vn_province_id,
    gates.doc_la_province_id,
    gates.source_id,
    gates.paragraph,
    gates.reference_section,
    gates.reference_address
from {{ ref('stg_border_gates') }} as gates
inner join {{ ref('stg_provinces') }} as original_province
    on original_province.province_id = gates.vn_original_province_id
left join current_province
    on current_province.gate_pair_id = gates.gate_pair_id
left join {{ ref('stg_provinces') }} as la_province
    on la_province.province_id = gates.la_province_id
