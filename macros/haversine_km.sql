{#- Great-circle distance in km between two points given in decimal degrees (haversine formula), on a sphere
    of radius var('earth_radius_km') (DESIGN §6: 6371). Null when any coordinate is null. radians, sin, cos,
    asin, sqrt and power exist alike on DuckDB and PostgreSQL. The haversine term is capped at 1 so that
    rounding on antipodal points cannot make asin fail; the cap is a case expression, not least(), because
    least() skips nulls and would turn a missing coordinate into half the Earth's circumference. -#}
{% macro haversine_km(latitude_1, longitude_1, latitude_2, longitude_2) -%}
    {{ return(adapter.dispatch('haversine_km', 'segment_warehouse')(latitude_1, longitude_1, latitude_2, longitude_2)) }}
{%- endmacro %}

{% macro default__haversine_km(latitude_1, longitude_1, latitude_2, longitude_2) -%}
    {%- set haversine_term -%}
        power(sin((radians({{ latitude_2 }}) - radians({{ latitude_1 }})) / 2), 2)
        + cos(radians({{ latitude_1 }})) * cos(radians({{ latitude_2 }}))
        * power(sin((radians({{ longitude_2 }}) - radians({{ longitude_1 }})) / 2), 2)
    {%- endset -%}
    (
        2 * cast({{ var('earth_radius_km') }} as {{ type_double() }})
        * asin(sqrt(case when {{ haversine_term }} > 1 then 1.0 else {{ haversine_term }} end))
    )
{%- endmacro %}
