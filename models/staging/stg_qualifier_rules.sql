-- The interval rule of each qualifier word (seed qualifier_rules); the blank word of a bare
-- number is keyed ''.
select
    coalesce(lower(trim(qualifier)), '') as qualifier,
    rule,
    low_steps,
    high_steps,
    precision,
    meaning
from {{ ref('qualifier_rules') }}
