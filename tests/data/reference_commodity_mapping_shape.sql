-- One name per commodity_id; a mention mapped 'full' or 'main' has exactly one HS code,
-- one mapped 'part' has several, and all rows of a mention agree on source, paragraph,
-- direction, period and commodity.
select commodity_id as item, 'several names' as problem
from {{ ref('stg_commodity_mentions') }}
group by commodity_id
having count(distinct commodity_name) > 1
union all
select mention_id, 'hs_match ' || min(hs_match) || ' with ' || count(*) || ' codes'
from {{ ref('stg_commodity_mentions') }}
group by mention_id
having count(distinct hs_match) > 1
    or (min(hs_match) in ('full', 'main') and count(*) <> 1)
    or (min(hs_match) = 'part' and count(*) < 2)
union all
select mention_id, 'rows disagree'
from {{ ref('stg_commodity_mentions') }}
group by mention_id
having count(distinct (source_id, paragraph, direction, period_start, period_end, commodity_id)) > 1
