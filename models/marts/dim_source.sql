-- One row per source document, with how many figures it contributes.
select
    s.source_id,
    s.source_prefix,
    s.file_name,
    s.publisher,
    s.author,
    s.title,
    s.published_on,
    s.published_on_as_written,
    s.published_not_before,
    s.url,
    s.paragraph_count,
    s.paragraph_rule,
    s.source_notes,
    count(f.figure_id) as n_figures
from {{ ref('stg_sources') }} as s
left join {{ ref('stg_reported_figures') }} as f using (source_id)
group by all
