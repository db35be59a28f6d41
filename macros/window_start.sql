{#- Start of the half-open window [T - n <datepart>, T) (DESIGN §4).
    Months are calendar months: T - interval 'n months'. -#}
{% macro window_start(n, datepart='day') -%}
    {{ dbt.dateadd(datepart, -1 * (n | int), as_of_instant()) }}
{%- endmacro %}
