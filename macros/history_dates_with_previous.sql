{#- The as-of dates of `relation` (a relation or CTE with an as_of_date column), one row each, with the latest
    earlier one as previous_as_of_date (null on the first): the "previous as-of date of the history" that
    segment_entries and segment_sizes compare a date with, so that both apply the same rule. -#}
{% macro history_dates_with_previous(relation) -%}
    select
        as_of_date,
        lag(as_of_date) over (order by as_of_date) as previous_as_of_date
    from (
        select distinct as_of_date
        from {{ relation }}
    ) as history_dates
{%- endmacro %}
