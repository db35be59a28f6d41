{#- Aggregate: the continuous quantile `q` of `expression`, interpolating linearly between the two nearest
    values (DESIGN §6). Computed in double precision on every engine: PostgreSQL's percentile_cont only takes
    double precision, and DuckDB's decimal quantile_cont would round the interpolated value to the input scale. -#}
{% macro continuous_quantile(expression, q) -%}
    {{ return(adapter.dispatch('continuous_quantile', 'segment_warehouse')(expression, q)) }}
{%- endmacro %}

{% macro default__continuous_quantile(expression, q) -%}
    percentile_cont({{ q }}) within group (order by cast({{ expression }} as {{ type_double() }}))
{%- endmacro %}

{% macro duckdb__continuous_quantile(expression, q) -%}
    quantile_cont(cast({{ expression }} as {{ type_double() }}), {{ q }})
{%- endmacro %}
