-- A gate's Vietnamese province is a Vietnamese border unit; its Lao province is Lao.
select gates.gate_pair_id, 'vn province ' || gates.vn_original_province_id as problem
from {{ ref('stg_border_gates') }} as gates
inner join {{ ref('stg_provinces') }} as provinces
    on provinces.province_id = gates.vn_original_province_id
where provinces.country <> 'VN' or not provinces.on_border
union all
select gates.gate_pair_id, 'la province ' || gates.la_province_id
from {{ ref('stg_border_gates') }} as gates
inner join {{ ref('stg_provinces') }} as provinces
    on provinces.province_id = gates.la_province_id
where provinces.country <> 'LA' or not provinces.on_border
union all
select gates.gate_pair_id, 'document province ' || gates.doc_la_province_id
from {{ ref('stg_border_gates') }} as gates
inner join {{ ref('stg_provinces') }} as provinces
    on provinces.province_id = gates.doc_la_province_id
where provinces.country <> 'LA'
