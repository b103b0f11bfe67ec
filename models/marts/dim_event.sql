-- Events the sources report, with the date interval the text allows and the event each belongs to.
select
    events.event_id,
    events.event_kind,
    events.event_title,
    events.date_from,
    events.date_to,
    events.date_precision,
    events.date_note,
    events.parties,
    events.place,
    events.related_event_id,
    parent.event_title as related_event_title,
    events.gate_pair_id,
    events.source_id,
    events.paragraph
from {{ ref('stg_events') }} as events
left join {{ ref('stg_events') }} as parent
    on parent.event_id = events.related_event_id
