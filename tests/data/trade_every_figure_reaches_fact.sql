-- Every row of the reported_figures seed reaches fct_trade_figure, unchanged in value: as many
-- rows in the fact as in the seed, and each figure (by its id, derived when the seed leaves
-- it blank) with the value exactly as written.
with seeded as (
    select count(*) as n from {{ ref('reported_figures') }}
),

facts as (
    select count(*) as n from {{ ref('fct_trade_figure') }}
)

select 'seed has ' || seeded.n || ' rows, fct_trade_figure ' || facts.n as figure_id,
    'row count differs' as problem
from seeded, facts
where seeded.n <> facts.n
union all
select s.figure_id, 'missing from fct_trade_figure'
from {{ ref('stg_reported_figures') }} as s
left join {{ ref('fct_trade_figure') }} as f using (figure_id)
where f.figure_id is null
union all
select s.figure_id, 'value changed'
from {{ ref('stg_reported_figures') }} as s
inner join {{ ref('fct_trade_figure') }} as f using (figure_id)
where f.value_as_written <> s.value_as_written
