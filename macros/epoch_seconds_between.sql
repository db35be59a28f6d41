{#- Exact elapsed seconds from `start_ts` to `end_ts` (timestamps), fractional part kept (microseconds),
    as a double precision. Negative when end_ts is before start_ts. -#}
{% macro epoch_seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('epoch_seconds_between', 'segment_warehouse')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__epoch_seconds_between(start_ts, end_ts) -%}
    cast({{ dbt.datediff(start_ts, end_ts, 'millisecond') }} as {{ type_double() }}) / 1000
{%- endmacro %}

{% macro duckdb__epoch_seconds_between(start_ts, end_ts) -%}
    cast(date_diff('microsecond', {{ start_ts }}, {{ end_ts }}) as {{ type_double() }}) / 1000000
{%- endmacro %}

{% macro postgres__epoch_seconds_between(start_ts, end_ts) -%}
    cast(extract(epoch from ({{ end_ts }} - {{ start_ts }})) as {{ type_double() }})
{%- endmacro %}
