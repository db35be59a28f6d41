{#- T = D + 1 day at 00:00 UTC (DESIGN §4), as a SQL timestamp literal. Every window ends at T (excluded). -#}
{% macro as_of_instant() -%}
    {%- set d = modules.datetime.datetime.strptime(as_of_date_string(), '%Y-%m-%d') -%}
    {%- set t = d + modules.datetime.timedelta(days=1) -%}
    cast('{{ t.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
