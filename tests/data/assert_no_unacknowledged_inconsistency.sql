-- Fails on every inconsistent check of severity error that the known_discrepancies seed does
-- not acknowledge. Each failing check is printed whole (display='records': nothing cut), so
-- the build's output alone says what disagrees: both sides as written with their intervals,
-- the gap, the full explanation, and the command that acknowledges the check once an
-- analyst has found the disagreement real (a typo is fixed in the seed instead).
{{ config(display='records') }}
select
    check_id,
    check_kind,
    source_ids as sources,
    concat(expected_source_id, ': ', expected_as_written,
           ' (interval ', coalesce(expected_interval, 'open'), ')') as a_says,
    concat(observed_source_id, ': ', observed_as_written,
           ' (interval ', coalesce(observed_interval, 'open'), ')') as b_says,
    gap,
    explanation,
    -- the id single-quoted when the shell would read it otherwise ('<=' is a redirection)
    'warehouse ack '
    || case when regexp_full_match(check_id, '[A-Za-z0-9_@%+=:,./-]+') then check_id
            else '''' || replace(check_id, '''', '''"''"''') || '''' end
    || ' --reason "<why this is not an error>"' as acknowledge
from {{ ref('rpt_consistency_check') }}
where status = 'inconsistent'
    and severity = 'error'
    and not is_acknowledged
order by check_id
