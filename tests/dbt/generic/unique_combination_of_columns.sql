{#- Fails on every combination of `combination` (a list of column names) that occurs on more than one row of
    the model: a composite primary key test (dbt_utils-style, without the package). -#}
{% test unique_combination_of_columns(model, combination) %}
    select
        {{ combination | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
