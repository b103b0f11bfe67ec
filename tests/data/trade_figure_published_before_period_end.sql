{{ config(severity='warn') }}
-- Warns about every figure whose source is dated before its period ended: such a figure
-- can only be partial or an estimate (see the published_early checks).
select
    figure_id,
    source_id,
    published_on,
    period_id,
    period_end,
    figure_as_written
from {{ ref('fct_trade_figure') }}
where published_before_period_end
order by figure_id
