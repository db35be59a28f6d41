{#- 8-byte floating point. dbt.type_float() renders `float`, which is a 4-byte REAL on DuckDB and would
    round coordinates: use this instead. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'segment_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}
