-- Every row of the reported_figures seed reaches fct_trade_figure, unchanged in value.
select r.figure_id, 'missing from fct_trade_figure' as problem
from {{ ref('reported_figures') }} as r
left join {{ ref('fct_trade_figure') }} as f using (figure_id)
where f.figure_id is null
union all
select r.figure_id, 'value changed'
from {{ ref('reported_figures') }} as r
inner join {{ ref('fct_trade_figure') }} as f using (figure_id)
where f.value_as_written <> replace(trim(r.value), '−', '-')
