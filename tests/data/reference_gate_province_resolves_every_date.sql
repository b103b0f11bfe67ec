-- Every gate's Vietnamese province resolves on every date, exactly once: its history starts
-- open-ended, ends open-ended (current), and each unit starts the day after the previous ends.
with history as (
    select
        gate_pair_id,
        history_step,
        vn_province_id,
        valid_from,
        valid_to,
        lag(valid_to) over (partition by gate_pair_id order by history_step) as previous_valid_to,
        min(history_step) over (partition by gate_pair_id) as first_step,
        max(history_step) over (partition by gate_pair_id) as last_step
    from {{ ref('int_gate_province_history') }}
)

select gates.gate_pair_id, 'no province history' as problem
from {{ ref('stg_border_gates') }} as gates
left join history on history.gate_pair_id = gates.gate_pair_id
where history.gate_pair_id is null
union all
select gate_pair_id, 'history does not start open-ended at ' || vn_province_id
from history where history_step = first_step and valid_from is not null
union all
select gate_pair_id, 'history does not end open-ended at ' || vn_province_id
from history where history_step = last_step and valid_to is not null
union all
select gate_pair_id, 'gap or overlap before ' || vn_province_id
from history
where history_step > first_step
  and (valid_from is null or previous_valid_to is null or valid_from <> previous_valid_to + 1)
union all
select gate_pair_id, 'two units at the same step'
from history
group by gate_pair_id, history_step
having count(*) > 1
