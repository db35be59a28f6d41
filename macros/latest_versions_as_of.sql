{#- The state as of T of a versioned landing entity (DESIGN §5, §6): per key, the latest version with
    updated_at < T (ties broken by the latest load), kept only when that version's created_at < T and its
    customer is not erased. Only keys with several versions are ranked (last_loaded_rows); with `only_keys` (a
    select of key values), only those keys are read. -#}
{% macro latest_versions_as_of(entity, key_column, columns, only_keys=none) -%}
    select * from (
        {{ last_loaded_rows(
            entity,
            [key_column],
            columns,
            where='updated_at < ' ~ as_of_instant(),
            order_by='updated_at desc, _loaded_at desc, _source_file desc, _source_row desc',
            only_keys=only_keys
        ) }}
    ) as versions_before_t
    where
        created_at < {{ as_of_instant() }}
        and {{ not_erased('customer_id') }}
{%- endmacro %}
