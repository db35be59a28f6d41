{#- Exact decimal with the given precision and scale (money: type_decimal(18, 2)); dbt.type_numeric() is
    fixed at (28, 6). -#}
{% macro type_decimal(precision, scale) -%}
    {{ return(adapter.dispatch('type_decimal', 'segment_warehouse')(precision, scale)) }}
{%- endmacro %}

{% macro default__type_decimal(precision, scale) -%}
    {{ api.Column.numeric_type('numeric', precision | int, scale | int) }}
{%- endmacro %}
