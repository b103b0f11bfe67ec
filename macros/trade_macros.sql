{#- Helpers of the trade-figures models: period ids and kinds, interval overlap, and the
    number formats used in the analyst-facing explanations. -#}

{% macro trade_period_kind(s, e) -%}
case
    when {{ s }} is null and {{ e }} is null then 'unspecified'
    when {{ e }} is null then 'open_ended'
    when year({{ s }}) <> year({{ e }}) then 'multi_year'
    when month({{ s }}) = 1 and day({{ s }}) = 1 and month({{ e }}) = 12 and day({{ e }}) = 31 then 'year'
    when month({{ s }}) = 1 and day({{ s }}) = 1 and month({{ e }}) = 6 and day({{ e }}) = 30 then 'half'
    when month({{ s }}) = 7 and day({{ s }}) = 1 and month({{ e }}) = 12 and day({{ e }}) = 31 then 'half'
    when day({{ s }}) = 1 and month({{ s }}) in (1, 4, 7, 10)
         and {{ e }} = last_day({{ s }} + interval 2 month) then 'quarter'
    when month({{ s }}) = 1 and day({{ s }}) = 1 and month({{ e }}) = 9 and day({{ e }}) = 30 then 'nine_months'
    when day({{ s }}) = 1 and {{ e }} = last_day({{ s }}) then 'month'
    when month({{ s }}) = 1 and day({{ s }}) = 1 and {{ e }} = last_day({{ e }}) then 'ytd'
    else 'other'
end
{%- endmacro %}

{% macro trade_period_id(s, e) -%}
case {{ trade_period_kind(s, e) }}
    when 'unspecified' then 'unspecified'
    when 'open_ended' then 'since ' || strftime({{ s }}, '%Y-%m-%d')
    when 'year' then strftime({{ s }}, '%Y')
    when 'half' then strftime({{ s }}, '%Y') || case when month({{ s }}) = 1 then '-H1' else '-H2' end
    when 'quarter' then strftime({{ s }}, '%Y') || '-Q' || quarter({{ s }})
    when 'nine_months' then strftime({{ s }}, '%Y') || '-9M'
    when 'month' then strftime({{ s }}, '%Y-%m')
    when 'ytd' then strftime({{ s }}, '%Y') || '-YTD' || strftime({{ e }}, '%m')
    else strftime({{ s }}, '%Y-%m-%d') || '..' || strftime({{ e }}, '%Y-%m-%d')
end
{%- endmacro %}

{#- Two intervals overlap; NULL bounds are open (unbounded). -#}
{% macro trade_overlap(a_low, a_high, b_low, b_high) -%}
(({{ a_low }} is null or {{ b_high }} is null or {{ a_low }} <= {{ b_high }})
 and ({{ b_low }} is null or {{ a_high }} is null or {{ b_low }} <= {{ a_high }}))
{%- endmacro %}

{#- A number without trailing zeros, at most `digits` decimals. -#}
{% macro trade_fmt_num(x, digits=4) -%}
rtrim(rtrim(printf('%.{{ digits }}f', ({{ x }})::double), '0'), '.')
{%- endmacro %}

{#- Scale of a USD amount or interval: 1e9 (bn) from one billion up, else 1e6 (M). -#}
{% macro trade_usd_scale(ref_value) -%}
(case when abs(coalesce({{ ref_value }}, 0)) >= 1e9 then 1e9 else 1e6 end)
{%- endmacro %}

{#- x in the given scale (1e9 or 1e6): four decimals for billions, two for millions. -#}
{% macro trade_fmt_scaled(x, scale) -%}
case when {{ scale }} = 1e9 then {{ trade_fmt_num('(' ~ x ~ ') / 1e9', 4) }}
     else {{ trade_fmt_num('(' ~ x ~ ') / 1e6', 2) }} end
{%- endmacro %}

{#- 'USD 2.245–2.255 bn', 'USD ≥ 1.47 bn', '56.5–57.5%'; unit is 'usd', 'percent', 'times' or 'count'. -#}
{% macro trade_fmt_interval(low, high, unit) -%}
case
    when {{ low }} is null and {{ high }} is null then 'unbounded'
    when {{ unit }} = 'usd' then 'USD ' ||
        case
            when {{ high }} is null then '≥ ' || {{ trade_fmt_scaled(low, trade_usd_scale(low)) }}
            when {{ low }} is null then '≤ ' || {{ trade_fmt_scaled(high, trade_usd_scale(high)) }}
            when {{ low }} = {{ high }} then {{ trade_fmt_scaled(low, trade_usd_scale(high)) }}
            else {{ trade_fmt_scaled(low, trade_usd_scale(high)) }} || '–' || {{ trade_fmt_scaled(high, trade_usd_scale(high)) }}
        end
        || case when {{ trade_usd_scale('coalesce(' ~ high ~ ', ' ~ low ~ ')') }} = 1e9 then ' bn' else ' M' end
    else
        case
            when {{ high }} is null then '≥ ' || {{ trade_fmt_num(low, 2) }}
            when {{ low }} is null then '≤ ' || {{ trade_fmt_num(high, 2) }}
            when {{ low }} = {{ high }} then {{ trade_fmt_num(low, 2) }}
            else {{ trade_fmt_num(low, 2) }} || '–' || {{ trade_fmt_num(high, 2) }}
        end
        || case {{ unit }} when 'percent' then '%' when 'times' then ' times' else '' end
end
{%- endmacro %}

{#- Smallest and largest possible distance between two intervals (0 when they overlap;
    the largest is NULL when either is open). -#}
{% macro trade_gap_low(a_low, a_high, b_low, b_high) -%}
greatest(coalesce({{ a_low }} - {{ b_high }}, 0), coalesce({{ b_low }} - {{ a_high }}, 0), 0)
{%- endmacro %}

{% macro trade_gap_high(a_low, a_high, b_low, b_high) -%}
greatest({{ a_high }} - {{ b_low }}, {{ b_high }} - {{ a_low }})
{%- endmacro %}

{#- 'gap USD 0.195–0.305 bn' for disjoint intervals, else 'the intervals overlap'. -#}
{% macro trade_fmt_gap(a_low, a_high, b_low, b_high, unit) -%}
case when {{ trade_overlap(a_low, a_high, b_low, b_high) }} then 'the intervals overlap'
     else 'gap ' || {{ trade_fmt_interval(trade_gap_low(a_low, a_high, b_low, b_high),
                                          trade_gap_high(a_low, a_high, b_low, b_high), unit) }}
end
{%- endmacro %}

{#- A readable name of a quantity: '2024 two-way trade', '2025-9M VN→LA exports growth'. -#}
{% macro trade_quantity_label(period_id, flow, measure, subject) -%}
{{ period_id }} || ' '
|| case {{ flow }} when 'total' then 'two-way ' when 'vn_to_la' then 'VN→LA ' else 'LA→VN ' end
|| case {{ subject }} when 'bilateral_trade' then 'trade' when 'border_gate_trade' then 'border-gate trade'
        else replace({{ subject }}, '_', ' ') end
|| case {{ measure }} when 'growth_yoy_pct' then ' growth' when 'trade_value' then '' else ' ' || {{ measure }} end
{%- endmacro %}
