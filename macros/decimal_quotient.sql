{#- numerator / denominator as an exact decimal(38, scale), truncated toward zero at `scale` digits, so that a
    threshold with at most `scale` decimals is decided exactly (aov_eur >= 80 exactly when
    total >= 80 * orders). Null when the denominator is 0 or null. DuckDB divides decimals in double
    precision, so its variant divides scaled integers instead. -#}
{% macro decimal_quotient(numerator, denominator, scale=8) -%}
    {{ return(adapter.dispatch('decimal_quotient', 'segment_warehouse')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__decimal_quotient(numerator, denominator, scale=8) -%}
    {#- the cast wraps the whole case: PostgreSQL drops the typmod of a case result otherwise -#}
    cast(
        case
            when {{ denominator }} <> 0
                then trunc(cast({{ numerator }} as {{ type_decimal(38, scale) }}) / {{ denominator }}, {{ scale }})
        end
        as {{ type_decimal(38, scale) }}
    )
{%- endmacro %}

{% macro duckdb__decimal_quotient(numerator, denominator, scale=8) -%}
    {%- set factor = '1' ~ '0' * (scale | int) -%}
    {%- set unit = '0.' ~ '0' * ((scale | int) - 1) ~ '1' -%}
    case
        when {{ denominator }} <> 0
            then cast(
                cast(
                    cast(cast({{ numerator }} as {{ type_decimal(38, scale) }}) * {{ factor }} as hugeint)
                    // cast({{ denominator }} as hugeint)
                    as {{ type_decimal(38, 0) }}
                ) * cast('{{ unit }}' as {{ type_decimal(38, scale) }})
                as {{ type_decimal(38, scale) }}
            )
    end
{%- endmacro %}
