-- Where a document names a gate's Vietnamese province, it is the province the gate belonged to
-- on the document's publication date (document 000, 2025-11-08, names Nam Giang under
-- Đà Nẵng City: the unit Quảng Nam joined on 2025-07-01). Documents without a publication
-- date are skipped.
select
    gates.gate_pair_id,
    gates.source_id,
    sources.published_on,
    gates.doc_vn_province_id,
    {{ gate_province_on_date('gates.gate_pair_id', 'sources.published_on') }} as province_at_publication
from {{ ref('stg_border_gates') }} as gates
inner join {{ ref('sources') }} as sources
    on sources.source_id = gates.source_id
where gates.doc_vn_province_id is not null
  and sources.published_on is not null
  and {{ gate_province_on_date('gates.gate_pair_id', 'sources.published_on') }}
      is distinct from gates.doc_vn_province_id
