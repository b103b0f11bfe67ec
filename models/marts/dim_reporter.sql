-- Whose statistics a figure can be, with how many figures each reporter has.
select
    r.reporter,
    r.reporter_name,
    r.meaning,
    count(f.figure_id) as n_figures
from {{ ref('stg_reporters') }} as r
left join {{ ref('stg_reported_figures') }} as f using (reporter)
group by all
