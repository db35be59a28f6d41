{#- Aggregate: `value` of the group's row that is last by `order_by` (a list of expressions, compared in order,
    all descending), among the rows where `condition` holds (all rows when none). Ties on the whole order_by
    list are the caller's to avoid (end it with a key). Null when no row qualifies. DuckDB's arg_max over a
    row() key is a single hash-aggregate pass; PostgreSQL takes the first element of an ordered array_agg. -#}
{% macro latest_value(value, order_by, condition=none) -%}
    {{ return(adapter.dispatch('latest_value', 'segment_warehouse')(value, order_by, condition)) }}
{%- endmacro %}

{% macro default__latest_value(value, order_by, condition=none) -%}
    (array_agg({{ value }} order by {{ order_by | join(' desc, ') }} desc)
        {%- if condition %} filter (where {{ condition }}){% endif %})[1]
{%- endmacro %}

{% macro duckdb__latest_value(value, order_by, condition=none) -%}
    arg_max({{ value }}, row({{ order_by | join(', ') }}))
        {%- if condition %} filter (where {{ condition }}){% endif %}
{%- endmacro %}
