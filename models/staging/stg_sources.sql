-- The five source documents, typed; the three-digit file prefix is kept for short labels.
select
    source_id,
    left(source_id, 3) as source_prefix,
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
