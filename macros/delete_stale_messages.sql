{#- Pre-hook of the incremental int_messages_enriched (`relation`): deletes the rows no later run may keep.
    - the messages of customers erased since they were built (erasure is absolute, DESIGN §5: macro not_erased);
    - every row when the table was built as of a later T than this run's (a backfill of an earlier date), or
      by a version of the model without the incremental bookkeeping columns (computed_as_of, last_loaded_at;
      on_schema_change then adds them): the model finds the table empty and rebuilds every message as of T. -#}
{% macro delete_stale_messages(relation) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if 'computed_as_of' in columns and 'last_loaded_at' in columns %}
    delete from {{ relation }}
    where
        not {{ not_erased('customer_id') }}
        or (select max(computed_as_of) from {{ relation }}) > {{ as_of_instant() }}
    {%- else %}
    delete from {{ relation }}
    {%- endif %}
{%- endmacro %}
