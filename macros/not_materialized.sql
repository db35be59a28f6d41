{#- `name as {{ not_materialized() }} (...)`: a CTE read more than once is inlined where it is read instead of
    being computed once and kept. DuckDB keeps a materialized CTE's rows outside what it can spill (a CTE of
    5 M segment memberships read six times held 1.7 GiB under a 1GB memory_limit; inlined, 1.3 GiB, faster).
    PostgreSQL (12+) has the same keyword; other adapters get nothing (their default). -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'segment_warehouse')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro postgres__not_materialized() -%}
    not materialized
{%- endmacro %}
