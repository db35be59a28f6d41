{#- Post-hook of the models that delete rows from a large table (incremental delete+insert): on DuckDB, the
    deletes of a transaction are kept in memory, outside what DuckDB can spill, until the next checkpoint
    writes them to the file. 300 000 messages replaced in the 29 M-row int_messages_enriched (a next day at
    1 000 000 customers) held enough that the next big aggregation failed under memory_limit 1GB; a
    checkpoint (under a second) frees it. FORCE waits for other running transactions (dbt threads > 1)
    instead of failing. Other databases manage this themselves: nothing to do. -#}
{% macro checkpoint_database() -%}
    {{ return(adapter.dispatch('checkpoint_database')()) }}
{%- endmacro %}

{% macro default__checkpoint_database() -%}
    select 1
{%- endmacro %}

{% macro duckdb__checkpoint_database() -%}
    force checkpoint
{%- endmacro %}
