-- Border gate pairs, with the original (pre-2025) Vietnamese province.
select
    gate_pair_id,
    vn_gate_name,
    vn_gate_name_ascii,
    vn_province_id as vn_original_province_id,
    la_gate_name,
    la_gate_name_variants,
    la_province_id,
    gate_type,
    gate_type_note,
    opened_on,
    opened_on_basis,
    date_note,
    doc_vn_province_id,
    doc_la_province_id,
    source_id,
    paragraph,
    reference_section,
    reference_address
from {{ ref('border_gates') }}
