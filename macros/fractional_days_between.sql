{#- Fractional days from `start` to `end` (DESIGN §6: seconds / 86 400), to the microsecond; positive when
    `end` is later, as a double precision. dbt.datediff would truncate to whole units. -#}
{% macro fractional_days_between(start, end) -%}
    {{ return(adapter.dispatch('fractional_days_between', 'segment_warehouse')(start, end)) }}
{%- endmacro %}

{% macro default__fractional_days_between(start, end) -%}
    (cast(extract(epoch from ({{ end }} - {{ start }})) as {{ type_double() }}) / 86400)
{%- endmacro %}

{% macro duckdb__fractional_days_between(start, end) -%}
    (cast(date_diff('microsecond', {{ start }}, {{ end }}) as {{ type_double() }}) / 86400000000)
{%- endmacro %}
