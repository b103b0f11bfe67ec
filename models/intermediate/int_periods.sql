-- Every period the trade figures speak of (their own periods and the base periods of growth
-- rates and ratios), normalized to start and end dates with a kind and a readable id.
with spans as (
    select period_start, period_end, null as label from {{ ref('stg_reported_figures') }}
    union
    select base_period_start, base_period_end, null
    from {{ ref('stg_reported_figures') }}
    where base_period_start is not null
),

labelled as (
    select
        period_start,
        period_end,
        min(label) as any_label
    from spans
    group by all
)

select
    {{ trade_period_id('period_start', 'period_end') }} as period_id,
    {{ trade_period_kind('period_start', 'period_end') }} as period_kind,
    period_start,
    period_end,
    year(period_start) as start_year,
    year(period_end) as end_year,
    case when period_end is not null then datediff('day', period_start, period_end) + 1 end
        as days,
    case {{ trade_period_kind('period_start', 'period_end') }}
        when 'year' then 'Year ' || year(period_start)
        when 'half' then case when month(period_start) = 1 then 'First' else 'Second' end
            || ' half of ' || year(period_start)
        when 'quarter' then 'Quarter ' || quarter(period_start) || ' of ' || year(period_start)
        when 'nine_months' then 'January-September ' || year(period_start)
        when 'multi_year' then strftime(period_start, '%B %Y') || ' to ' || strftime(period_end, '%B %Y')
        when 'open_ended' then 'Since ' || strftime(period_start, '%B %Y') || ' (end not stated)'
        when 'unspecified' then 'No period stated'
        else strftime(period_start, '%Y-%m-%d') || ' to ' || strftime(period_end, '%Y-%m-%d')
    end as period_name
from labelled
