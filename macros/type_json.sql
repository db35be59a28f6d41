{#- JSON document type: `json` on DuckDB, `jsonb` on PostgreSQL, text elsewhere. -#}
{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'segment_warehouse')()) }}
{%- endmacro %}

{% macro default__type_json() -%}
    {{ dbt.type_string() }}
{%- endmacro %}

{% macro duckdb__type_json() -%}
    json
{%- endmacro %}

{% macro postgres__type_json() -%}
    jsonb
{%- endmacro %}
