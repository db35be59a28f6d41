{#- Number of rows of the group for which `condition` is true (null counts as false), as a bigint.
    DuckDB and PostgreSQL have the standard FILTER clause; other engines sum a case expression. -#}
{% macro count_where(condition) -%}
    {{ return(adapter.dispatch('count_where', 'segment_warehouse')(condition)) }}
{%- endmacro %}

{% macro default__count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__count_where(condition) -%}
    count(*) filter (where {{ condition }})
{%- endmacro %}

{% macro postgres__count_where(condition) -%}
    count(*) filter (where {{ condition }})
{%- endmacro %}
