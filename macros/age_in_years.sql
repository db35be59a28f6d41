{#- Completed years from `birth_date` to `on_date` (both dates): the year difference, minus one while the
    (month, day) of the birthday is not yet reached. A 29 February birthday is reached on 1 March in other
    years (DESIGN §6). Null when birth_date is null. Standard SQL extract(), the same on DuckDB and
    PostgreSQL. -#}
{% macro age_in_years(birth_date, on_date) -%}
    {%- set int = dbt.type_int() -%}
    (
        cast(extract(year from {{ on_date }}) as {{ int }})
        - cast(extract(year from {{ birth_date }}) as {{ int }})
        - case
            when cast(extract(month from {{ on_date }}) as {{ int }}) * 100 + cast(extract(day from {{ on_date }}) as {{ int }})
                < cast(extract(month from {{ birth_date }}) as {{ int }}) * 100 + cast(extract(day from {{ birth_date }}) as {{ int }})
                then 1
            else 0
        end
    )
{%- endmacro %}
