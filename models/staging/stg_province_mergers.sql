-- Vietnam's 2025 provincial changes: old unit -> successor from effective_date.
select
    old_province_id,
    new_province_id,
    effective_date,
    change_kind,
    legal_basis,
    reference_section,
    reference_address
from {{ ref('province_mergers') }}
