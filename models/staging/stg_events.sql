-- Dated events (agreements, visits, meetings, conferences, targets...).
select
    event_id,
    kind as event_kind,
    title as event_title,
    date_from,
    date_to,
    date_precision,
    date_note,
    parties,
    place,
    related_event_id,
    gate_pair_id,
    source_id,
    paragraph
from {{ ref('events') }}
