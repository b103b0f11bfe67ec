-- The macro gate_province_on_date gives the province a gate belonged to on a date.
with expected as (
    select * from (values
        ('nam_giang', date '2025-06-30', 'vn_quang_nam'),
        ('nam_giang', date '2025-07-01', 'vn_da_nang_2025'),
        ('hong_van', date '2024-12-31', 'vn_thua_thien_hue'),
        ('hong_van', date '2025-01-01', 'vn_hue'),
        ('cha_lo', date '2001-01-10', 'vn_quang_binh'),
        ('cha_lo', date '2025-11-08', 'vn_quang_tri_2025'),
        ('bo_y', date '2025-07-01', 'vn_quang_ngai_2025'),
        ('cau_treo', date '2025-07-01', 'vn_ha_tinh')
    ) as t (gate_pair_id, on_date, expected_province_id)
)

select
    gate_pair_id,
    on_date,
    expected_province_id,
    {{ gate_province_on_date('expected.gate_pair_id', 'expected.on_date') }} as actual_province_id
from expected
where {{ gate_province_on_date('expected.gate_pair_id', 'expected.on_date') }}
      is distinct from expected_province_id
