{#- The state as of T of a versioned landing entity (DESIGN §5, §6): per key, the latest version with
    updated_at < T (ties broken by the latest load), kept only when that version's created_at < T and its
    customer is not erased. `relation` is a relation or CTE name with the raw metadata columns. -#}
{% macro latest_versions_as_of(relation, key_column) -%}
    select * from (
        select
            *,
            row_number() over (
                partition by {{ key_column }}
                order by updated_at desc, _loaded_at desc, _source_file desc, _source_row desc
            ) as version_rank
        from {{ relation }}
        where updated_at < {{ as_of_instant() }}
    ) as versions_before_t
    where
        version_rank = 1
        and created_at < {{ as_of_instant() }}
        and {{ not_erased('customer_id') }}
{%- endmacro %}
