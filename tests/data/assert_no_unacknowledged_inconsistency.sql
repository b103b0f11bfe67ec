-- Fails on every inconsistent check of severity error that the known_discrepancies seed does
-- not acknowledge. Short columns first (the engine prints each cell cut to 60 characters):
-- the two sides with their sources and values as written, their intervals and the gap;
-- the full sentence is in explanation.
select
    check_id,
    expected_source_id as source_a,
    expected_as_written as a_says,
    expected_interval as a_interval,
    observed_source_id as source_b,
    observed_as_written as b_says,
    observed_interval as b_interval,
    gap,
    explanation
from {{ ref('rpt_consistency_check') }}
where status = 'inconsistent'
    and severity = 'error'
    and not is_acknowledged
order by check_id
