{#- Fails on every combination of `combination` (a list of column names) that occurs on more than one row of
    the model: a composite primary key test (dbt_utils-style, without the package). A history table's test
    reads the rows its run wrote with the `where` config and the __as_of_date__ placeholder (macro
    get_where_subquery). -#}
{% test unique_combination_of_columns(model, combination) %}
    select
        {{ combination | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
