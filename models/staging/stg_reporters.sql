-- Whose statistics a figure can be (seed reporters).
select reporter, name as reporter_name, meaning from {{ ref('reporters') }}
