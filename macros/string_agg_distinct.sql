{#- Aggregate: the distinct non-null values of `expression`, sorted, joined with `delimiter` (a SQL string
    literal, default ', '); null when there is none. Deterministic whatever the row order. -#}
{% macro string_agg_distinct(expression, delimiter="', '") -%}
    {{ return(adapter.dispatch('string_agg_distinct', 'segment_warehouse')(expression, delimiter)) }}
{%- endmacro %}

{#- PostgreSQL (and the standard): string_agg(distinct x, d order by x); dbt.listagg has no distinct. -#}
{% macro default__string_agg_distinct(expression, delimiter="', '") -%}
    string_agg(distinct {{ expression }}, {{ delimiter }} order by {{ expression }})
{%- endmacro %}

{#- DuckDB buffers ordered aggregates in memory without spilling (out of memory over millions of groups):
    collect a plain list, then de-duplicate and sort it. list_distinct drops nulls. -#}
{% macro duckdb__string_agg_distinct(expression, delimiter="', '") -%}
    case
        when count({{ expression }}) > 0
            then array_to_string(list_sort(list_distinct(list({{ expression }}))), {{ delimiter }})
    end
{%- endmacro %}
