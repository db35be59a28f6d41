{#- A JSON object whose keys are the given column names and whose values are those columns of the current row
    (`{}` for no column): DuckDB json_object(), PostgreSQL jsonb_build_object(). -#}
{% macro json_object_from_columns(columns) -%}
    {{ return(adapter.dispatch('json_object_from_columns', 'segment_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__json_object_from_columns(columns) -%}
    json_object(
    {%- for column in columns -%}
        '{{ column }}', {{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
    )
{%- endmacro %}

{% macro postgres__json_object_from_columns(columns) -%}
    jsonb_build_object(
    {%- for column in columns -%}
        '{{ column }}', {{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
    )
{%- endmacro %}
