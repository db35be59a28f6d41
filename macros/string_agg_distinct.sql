{#- Aggregate: the distinct non-null values of `expression`, sorted, joined with `delimiter` (a SQL string
    literal, default ', '); null when there is none. Deterministic whatever the row order. DuckDB and
    PostgreSQL both accept string_agg(distinct x, d order by x); dbt.listagg has no distinct. -#}
{% macro string_agg_distinct(expression, delimiter="', '") -%}
    {{ return(adapter.dispatch('string_agg_distinct', 'segment_warehouse')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__string_agg_distinct(expression, delimiter="', '") -%}
    string_agg(distinct {{ expression }}, {{ delimiter }} order by {{ expression }})
{%- endmacro %}
