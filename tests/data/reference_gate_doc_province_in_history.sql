-- Where a document names a gate's Vietnamese province, that unit is one the gate belongs to
-- at some date (document 000 names Nam Giang under Đà Nẵng City, its post-merger unit).
select gates.gate_pair_id, gates.doc_vn_province_id
from {{ ref('stg_border_gates') }} as gates
left join {{ ref('int_gate_province_history') }} as history
    on history.gate_pair_id = gates.gate_pair_id
    and history.vn_province_id = gates.doc_vn_province_id
where gates.doc_vn_province_id is not null
  and history.gate_pair_id is null
