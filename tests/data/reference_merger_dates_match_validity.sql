-- A merger's effective date is the successor's first day and the day after the old unit's last.
select mergers.old_province_id, mergers.new_province_id, mergers.effective_date,
       old_unit.valid_to as old_valid_to, new_unit.valid_from as new_valid_from
from {{ ref('stg_province_mergers') }} as mergers
left join {{ ref('stg_provinces') }} as old_unit on old_unit.province_id = mergers.old_province_id
left join {{ ref('stg_provinces') }} as new_unit on new_unit.province_id = mergers.new_province_id
where old_unit.valid_to is distinct from mergers.effective_date - 1
   or new_unit.valid_from is distinct from mergers.effective_date
   or old_unit.country is distinct from new_unit.country
