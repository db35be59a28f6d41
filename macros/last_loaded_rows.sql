{#- The rows of raw.<entity> satisfying `where`, one per group of `key_columns`: the first in `order_by`
    (default: the last loaded). Only a group whose first key column the ingest recorded in raw.repeated_keys
    (segment_warehouse/ingest/repeated_keys.py) can hold several rows, so only those rows are ranked; every
    other row passes straight through. A read costs a scan plus a window over the repeated rows, instead of a
    window over the whole table (about a minute per read at 50 M web events). Renders a select of `columns`;
    `where` and `order_by` name columns of the entity, unqualified.

    With `only_keys` (a select of one column: values of the first key column), only those groups are read, and
    all their rows are ranked: how an incremental model reads the few keys it rebuilds, a lookup of each row's
    key and a window over the rows found, instead of ranking every repeated key. The lookup is written
    `(key in (...)) is true` (the same rows): DuckDB then always hashes the keys, never the whole table, which
    it does for a plain `in` whenever it overestimates the keys (10 s instead of 0.8 s for 30 M messages).
    `every_key_when`, a condition on no column of the entity, reads every group instead (an incremental
    model's empty table). -#}
{% macro last_loaded_rows(
    entity, key_columns, columns, where='1 = 1', order_by=none, only_keys=none, every_key_when='1 = 0'
) -%}
    {%- set key = key_columns[0] -%}
    {%- set order_by = order_by or '_loaded_at desc, _source_file desc, _source_row desc' -%}
    {%- if only_keys is none %}
    select {{ columns | join(', ') }}
    from (
        select landed.*
        from {{ source('raw', entity) }} as landed
        left join {{ repeated_keys(entity) }} as repeated
            on landed.{{ key }} = repeated.key_value
        where repeated.key_value is null
    ) as single_rows
    where {{ where }}

    union all
    {%- endif %}

    select {{ columns | join(', ') }}
    from (
        select
            candidate_rows.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by }}
            ) as load_rank
        from (
            -- the rows that may need ranking: the repeated keys' rows, or every row of the given keys
            select landed.*
            from {{ source('raw', entity) }} as landed
            {%- if only_keys is none %}
            inner join {{ repeated_keys(entity) }} as repeated
                on landed.{{ key }} = repeated.key_value
            {%- else %}
            where (landed.{{ key }} in ({{ only_keys }})) is true or ({{ every_key_when }})
            {%- endif %}
        ) as candidate_rows
        where {{ where }}
    ) as ranked
    where load_rank = 1
{%- endmacro %}

{#- The keys of raw.<entity> with more than one row, as a subquery with one column, key_value. -#}
{% macro repeated_keys(entity) -%}
    (
        select distinct recorded.key_value
        from {{ source('raw', 'repeated_keys') }} as recorded
        where recorded.entity = '{{ entity }}'
    )
{%- endmacro %}
