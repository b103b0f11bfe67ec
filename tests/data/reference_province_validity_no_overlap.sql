-- Two rows of the same province name (same country) must not be valid on the same day.
-- NULL valid_from / valid_to are open ends.
select a.province_id, b.province_id as overlapping_province_id, a.country, a.province_name
from {{ ref('stg_provinces') }} as a
inner join {{ ref('stg_provinces') }} as b
    on a.country = b.country
    and a.province_name = b.province_name
    and a.province_id < b.province_id
where coalesce(a.valid_from, date '0001-01-01') <= coalesce(b.valid_to, date '9999-12-31')
  and coalesce(b.valid_from, date '0001-01-01') <= coalesce(a.valid_to, date '9999-12-31')
union all
-- and no row ends before it starts
select province_id, null, country, province_name
from {{ ref('stg_provinces') }}
where valid_from > valid_to
