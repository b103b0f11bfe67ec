-- Inconsistent checks an analyst has read and acknowledged.
select
    trim(check_id) as check_id,
    explanation as acknowledgement
from {{ ref('known_discrepancies') }}
