-- The reports, typed. source_prefix is the short label used in tables (the three-digit file
-- prefix of the first five documents, else the whole id).
select
    source_id,
    case when regexp_matches(source_id, '^[0-9]{3}_') then left(source_id, 3) else source_id end
        as source_prefix,
    file_name,
    publisher,
    author,
    title,
    published_on,
    published_on_as_written,
    coalesce(published_not_before, published_on) as published_not_before,
    url,
    paragraph_count,
    paragraph_rule,
    notes as source_notes
from {{ ref('sources') }}
