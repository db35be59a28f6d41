{#- Fails on every combination of `combination` (a list of column names) that occurs on more than one row of
    the model: a composite primary key test (dbt_utils-style, without the package).
    `as_of_date_column` (optional): check only the rows whose column is this run's as-of date D or later, for a
    history table whose run replaces the rows of D (and of the later dates, for a back-fill) and leaves the
    earlier dates, each checked by the run that wrote it (marts.segment_memberships, segment_entries): a daily
    run's test then reads one date, not the whole history. D is read when the test runs (macro as_of_date),
    as the models read it. -#}
{% test unique_combination_of_columns(model, combination, as_of_date_column=none) %}
    select
        {{ combination | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    {%- if as_of_date_column %}
    where {{ as_of_date_column }} >= {{ as_of_date() }}
    {%- endif %}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
