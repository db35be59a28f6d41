{#- Largest non-null value of the expressions; null only when all are null. DuckDB's and PostgreSQL's
    greatest() already skip nulls; engines whose greatest() returns null on any null argument (Snowflake,
    BigQuery, …) get a portable form: greatest() over rotated coalesce() lists, each of which is non-null as
    soon as one expression is. -#}
{% macro greatest_ignoring_nulls(expressions) -%}
    {{ return(adapter.dispatch('greatest_ignoring_nulls', 'segment_warehouse')(expressions)) }}
{%- endmacro %}

{% macro default__greatest_ignoring_nulls(expressions) -%}
    {%- if expressions | length == 1 -%}
        {{ expressions[0] }}
    {%- else -%}
        greatest(
        {%- for i in range(expressions | length) %}
            coalesce({{ (expressions[i:] + expressions[:i]) | join(', ') }}){{ ',' if not loop.last }}
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__greatest_ignoring_nulls(expressions) -%}
    {%- if expressions | length == 1 -%}
        {{ expressions[0] }}
    {%- else -%}
        greatest({{ expressions | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{% macro postgres__greatest_ignoring_nulls(expressions) -%}
    {{ duckdb__greatest_ignoring_nulls(expressions) }}
{%- endmacro %}
