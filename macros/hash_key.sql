{#- Surrogate key: md5 of the given columns cast to text, joined with '-', nulls replaced by a marker so that
    (a, null) and (null, a) differ. Same value on DuckDB and PostgreSQL (both cast timestamps as
    'YYYY-MM-DD HH:MM:SS[.ffffff]'). -#}
{% macro hash_key(columns) -%}
    {{ return(adapter.dispatch('hash_key', 'segment_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__hash_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last %}{% do parts.append("'-'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
