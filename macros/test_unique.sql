{#- The queries of the `unique` test (tests/dbt/generic/unique.sql): dbt's own, and on DuckDB the same result
    with a hash pre-grouping (see there). -#}
{% macro default__test_unique(model, column_name) %}
    {{ dbt.default__test_unique(model, column_name) }}
{% endmacro %}

{% macro duckdb__test_unique(model, column_name) %}
    select
        {{ column_name }} as unique_field,
        count(*) as n_records
    from {{ model }}
    where
        {{ column_name }} is not null
        and hash({{ column_name }}) in (
            select hash({{ column_name }})
            from {{ model }}
            where {{ column_name }} is not null
            group by 1
            having count(*) > 1
        )
    group by {{ column_name }}
    having count(*) > 1
{% endmacro %}
