-- Every province with each unit it became through Vietnam's 2025 changes, itself included
-- (merger_steps = 0). Follows chains of any length; the latest successor is the current unit.
with recursive lineage as (
    select
        province_id,
        province_id as successor_province_id,
        0 as merger_steps
    from {{ ref('stg_provinces') }}

    union all

    select
        lineage.province_id,
        mergers.new_province_id as successor_province_id,
        lineage.merger_steps + 1 as merger_steps
    from lineage
    inner join {{ ref('stg_province_mergers') }} as mergers
        on mergers.old_province_id = lineage.successor_province_id
    where lineage.merger_steps < 20  -- guard against a cycle in the merger seed
)

select
    lineage.province_id,
    lineage.successor_province_id,
    lineage.merger_steps,
    lineage.merger_steps = max(lineage.merger_steps) over (partition by lineage.province_id) as is_latest
from lineage
