-- One row per period the trade figures, their base periods and the estimates speak of.
select
    period_id,
    period_kind,
    period_start,
    period_end,
    start_year,
    end_year,
    days,
    period_name
from {{ ref('int_periods') }}
