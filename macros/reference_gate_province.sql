{% macro gate_province_on_date(gate_pair_id, on_date) %}
{#- The Vietnamese province_id of a border gate on a date, as a scalar subquery.
    gate_pair_id and on_date are SQL expressions, e.g.
      {{ gate_province_on_date("'nam_giang'", "date '2025-06-30'") }}  -> 'vn_quang_nam'
      {{ gate_province_on_date('g.gate_pair_id', 'e.date_to') }}
    NULL when the gate is unknown. Open ends of validity (NULL valid_from / valid_to) count
    as unbounded. -#}
(
    select gate_history.vn_province_id
    from {{ ref('int_gate_province_history') }} as gate_history
    where gate_history.gate_pair_id = {{ gate_pair_id }}
      and {{ on_date }} between coalesce(gate_history.valid_from, date '0001-01-01')
                            and coalesce(gate_history.valid_to, date '9999-12-31')
)
{% endmacro %}
