{#- dbt's built-in `unique` test, same result (one row per value present more than once), cheaper on DuckDB at
    tens of millions of rows: grouping the column's values themselves (text keys) is the cost of the test, so
    the values are first grouped by their 64-bit hash, and only the values whose hash repeats (the duplicates,
    and the rare collisions) are grouped exactly. Other adapters run dbt's own query. -#}
{% test unique(model, column_name) %}
    {{ adapter.dispatch('test_unique', 'segment_warehouse')(model, column_name) }}
{% endtest %}
