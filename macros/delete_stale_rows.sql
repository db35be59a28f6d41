{#- Pre-hook of the incremental models that keep a customer's rows (int_messages_enriched and the order chain),
    run before the model's transaction: deletes the rows of `relation` that no later run may keep.
    - the rows of customers erased since they were built (erasure is absolute, DESIGN §5: macro not_erased);
    - every row when the table was built as of a later T than this run's (a backfill of an earlier date): the
      model then finds the table empty and rebuilds every row as of this T.
    A table built by an earlier, non-incremental version of the model (no computed_as_of / last_loaded_at)
    stops the run with what to do: DuckDB cannot alter a table's columns and write its rows in one
    transaction, so dbt's on_schema_change cannot upgrade it in place. -#}
{% macro delete_stale_rows(relation) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if execute and not ('computed_as_of' in columns and 'last_loaded_at' in columns) -%}
        {{ exceptions.raise_compiler_error(
            relation ~ " was built by an earlier version of " ~ relation.identifier ~ " (it has no computed_as_of "
            ~ "and last_loaded_at columns). Rebuild it once: dbt build --select " ~ relation.identifier
            ~ "+ --full-refresh --vars '{as_of_date: \"YYYY-MM-DD\"}' (or drop the table); later runs are "
            ~ "incremental."
        ) }}
    {%- endif %}
    delete from {{ relation }}
    where
        not {{ not_erased('customer_id') }}
        or (select max(computed_as_of) from {{ relation }}) > {{ as_of_instant() }}
{%- endmacro %}
