-- The Vietnamese province of each border gate over time: the gate's original province and
-- every unit it became part of, each with the dates it was valid. A NULL valid_from or
-- valid_to is an open end. The province of gate X on date D is the row with
-- D between coalesce(valid_from, date '0001-01-01') and coalesce(valid_to, date '9999-12-31')
-- (macro gate_province_on_date does this).
select
    gates.gate_pair_id,
    lineage.merger_steps as history_step,
    lineage.successor_province_id as vn_province_id,
    provinces.province_name as vn_province_name,
    provinces.valid_from,
    provinces.valid_to,
    provinces.valid_to is null as is_current
from {{ ref('stg_border_gates') }} as gates
inner join {{ ref('int_province_lineage') }} as lineage
    on lineage.province_id = gates.vn_original_province_id
inner join {{ ref('stg_provinces') }} as provinces
    on provinces.province_id = lineage.successor_province_id
