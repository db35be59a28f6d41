{#- A JSON document (custom_attributes: DuckDB json, PostgreSQL jsonb) as its text, for marts whose contract
    must hold on every engine. -#}
{% macro json_to_text(column) -%}
    {{ return(adapter.dispatch('json_to_text', 'segment_warehouse')(column)) }}
{%- endmacro %}

{% macro default__json_to_text(column) -%}
    cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}
