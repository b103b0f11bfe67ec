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

{#- A number without trailing zeros, at most `digits` decimals; a negative one with a true
    minus sign (−5), so that a range reads 'USD −5 to 5 M' and never '-5–5'. Rounded half
    away from zero as a decimal (2.255 reads 2.26) before printing: printf alone rounds the
    double's binary value (2.2549999…, so 2.25 in DuckDB but 2.26 on Spark). -#}
{% macro trade_fmt_num(x, digits=4) -%}
replace(rtrim(rtrim(printf('%.{{ digits }}f', round(({{ x }})::decimal(38, 9), {{ digits }})),
    '0'), '.'), '-', '−')
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

{#- 'USD 2.245–2.255 bn', 'USD ≥ 1.47 bn', '56.5–57.5%', 'down 14.55–14.65%' (an interval
    wholly below zero reads as a fall); unit is 'usd', 'percent', 'times', 'count' ... -#}
{% macro trade_fmt_interval(low, high, unit) -%}
case
    when {{ low }} is null and {{ high }} is null then 'unbounded'
    when {{ unit }} = 'usd' then 'USD ' ||
        case
            when {{ high }} is null then '≥ ' || {{ trade_fmt_scaled(low, trade_usd_scale(low)) }}
            when {{ low }} is null then '≤ ' || {{ trade_fmt_scaled(high, trade_usd_scale(high)) }}
            when {{ low }} = {{ high }} then {{ trade_fmt_scaled(low, trade_usd_scale(high)) }}
            else {{ trade_fmt_scaled(low, trade_usd_scale(high)) }}
                || case when {{ low }} < 0 then ' to ' else '–' end
                || {{ trade_fmt_scaled(high, trade_usd_scale(high)) }}
        end
        || case when {{ trade_usd_scale('coalesce(' ~ high ~ ', ' ~ low ~ ')') }} = 1e9 then ' bn' else ' M' end
    when {{ unit }} = 'percent' and {{ high }} <= 0 then 'down ' ||
        case
            when {{ low }} is null then 'at least ' || {{ trade_fmt_num('-(' ~ high ~ ')', 2) }}
            when {{ low }} = {{ high }} then {{ trade_fmt_num('-(' ~ low ~ ')', 2) }}
            else {{ trade_fmt_num('-(' ~ high ~ ')', 2) }} || '–' || {{ trade_fmt_num('-(' ~ low ~ ')', 2) }}
        end || '%'
    else
        case
            when {{ high }} is null then '≥ ' || {{ trade_fmt_num(low, 2) }}
            when {{ low }} is null then '≤ ' || {{ trade_fmt_num(high, 2) }}
            when {{ low }} = {{ high }} then {{ trade_fmt_num(low, 2) }}
            else {{ trade_fmt_num(low, 2) }} || case when {{ low }} < 0 then ' to ' else '–' end
                || {{ trade_fmt_num(high, 2) }}
        end
        || case {{ unit }} when 'percent' then '%' when 'times' then ' times'
                           when 'percentage_points' then ' points' when 'tonne' then ' tonnes'
                           else '' end
end
{%- endmacro %}

{#- A change as a noun phrase: 'growth of 3.5–5%', 'a fall of 2–4%', 'a rise of USD 5–7 M',
    'a fall of USD 199.5–200.5 M', 'a change of −2 to 3%' when the interval straddles zero. -#}
{% macro trade_fmt_change(low, high, unit) -%}
case
    when {{ high }} <= 0 then 'a fall of ' || {{ trade_fmt_interval(
        'case when ' ~ high ~ ' is not null then -(' ~ high ~ ') end',
        'case when ' ~ low ~ ' is not null then -(' ~ low ~ ') end', unit) }}
    when {{ low }} >= 0 then case when {{ unit }} = 'percent' then 'growth of ' else 'a rise of ' end
        || {{ trade_fmt_interval(low, high, unit) }}
    else 'a change of ' || {{ trade_fmt_interval(low, high, unit) }}
end
{%- endmacro %}

{#- Smallest and largest possible distance between two intervals (0 when they overlap;
    the largest is NULL when either is open). -#}
{% macro trade_gap_low(a_low, a_high, b_low, b_high) -%}
greatest(coalesce({{ a_low }} - {{ b_high }}, 0), coalesce({{ b_low }} - {{ a_high }}, 0), 0)
{%- endmacro %}

{% macro trade_gap_high(a_low, a_high, b_low, b_high) -%}
(case when {{ a_low }} is null or {{ a_high }} is null or {{ b_low }} is null or {{ b_high }} is null
      then null
      else greatest({{ a_high }} - {{ b_low }}, {{ b_high }} - {{ a_low }}) end)
{%- endmacro %}

{#- 'gap USD 0.195–0.305 bn' for disjoint intervals, 'gap of at least USD 5 M' when one of
    them is open, else 'the intervals overlap'. -#}
{% macro trade_fmt_gap(a_low, a_high, b_low, b_high, unit) -%}
case when {{ trade_overlap(a_low, a_high, b_low, b_high) }} then 'the intervals overlap'
     when {{ trade_gap_high(a_low, a_high, b_low, b_high) }} is null
     then 'gap of at least ' || {{ trade_fmt_gap_size(trade_gap_low(a_low, a_high, b_low, b_high), unit) }}
     else 'gap ' || {{ trade_fmt_interval(trade_gap_low(a_low, a_high, b_low, b_high),
                                          trade_gap_high(a_low, a_high, b_low, b_high), unit) }}
end
{%- endmacro %}

{#- A size (never negative): 'USD 5 M', '1.2 percentage points' for percent gaps. -#}
{% macro trade_fmt_gap_size(x, unit) -%}
case when {{ unit }} = 'usd' then 'USD ' || {{ trade_fmt_scaled(x, trade_usd_scale(x)) }}
        || case when {{ trade_usd_scale(x) }} = 1e9 then ' bn' else ' M' end
     when {{ unit }} = 'percent' then {{ trade_fmt_num(x, 2) }} || ' percentage points'
     else {{ trade_fmt_num(x, 2) }} || case {{ unit }} when 'times' then ' times' else '' end
end
{%- endmacro %}

{#- A readable name of a quantity: '2024 two-way trade', '2025-9M VN→LA exports growth'. -#}
{% macro trade_quantity_label(period_id, flow, measure, subject) -%}
{{ period_id }} || ' '
|| case {{ flow }} when 'total' then 'two-way ' when 'vn_to_la' then 'VN→LA ' else 'LA→VN ' end
|| case {{ subject }} when 'bilateral_trade' then 'trade' when 'border_gate_trade' then 'border-gate trade'
        else replace({{ subject }}, '_', ' ') end
|| case {{ measure }} when 'growth_yoy_pct' then ' growth' when 'trade_value' then ''
        when 'change_value' then ' change' when 'trade_balance' then ' balance'
        when 'target_value' then ' target' when 'avg_annual_trade_value' then ', yearly average'
        when 'share_pct' then ' share' when 'volume' then ' volume' when 'count' then ''
        when 'ratio_to_base_period' then ' ratio' when 'ratio_to_prior_period' then ' ratio'
        else ' ' || replace({{ measure }}, '_', ' ') end
{%- endmacro %}

{#- Two rows speak of the same quantity: subject, flow, period, commodity and gate. -#}
{% macro trade_same_quantity(a, b) -%}
({{ b }}.subject = {{ a }}.subject and {{ b }}.flow = {{ a }}.flow
 and {{ b }}.period_id = {{ a }}.period_id
 and {{ b }}.commodity_hs is not distinct from {{ a }}.commodity_hs
 and {{ b }}.gate_id is not distinct from {{ a }}.gate_id)
{%- endmacro %}

{#- Two figures can be compared as one statistic: the same reporter, or one not stated. -#}
{% macro trade_reporters_compatible(a, b) -%}
({{ a }}.reporter = {{ b }}.reporter or {{ a }}.reporter = 'unstated' or {{ b }}.reporter = 'unstated')
{%- endmacro %}

{#- The suffix a check id takes for a quantity other than all goods through all gates. -#}
{% macro trade_quantity_suffix(row) -%}
(case when {{ row }}.subject <> 'bilateral_trade' then ':' || {{ row }}.subject else '' end
 || coalesce(':hs' || {{ row }}.commodity_hs, '') || coalesce(':gate' || {{ row }}.gate_id, ''))
{%- endmacro %}

{#- ' (Lao figures, estimate)': whose statistics and what standing a statement has; empty for
    a final figure of an unstated reporter. -#}
{% macro trade_fmt_standing(reporter, status) -%}
(case when {{ reporter }} = 'unstated' and {{ status }} = 'final' then ''
      else ' (' || concat_ws(', ',
            case {{ reporter }} when 'vn' then 'Vietnamese figures' when 'la' then 'Lao figures'
                                when 'partner' then 'partner figures' end,
            case when {{ status }} <> 'final' then {{ status }} end) || ')' end)
{%- endmacro %}
