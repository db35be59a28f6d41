{#- The config of the incremental models rebuilt by customer (the order chain, the order aggregates, the
    favourites): call it first in the model, in place of config(). A run replaces every row of each customer it
    names (incremental strategy replace_scope, macros/get_incremental_replace_scope_sql.sql; `scope_row_key` is
    the column that is null only on a customer's marker row); the pre-hook delete_stale_rows removes erased
    customers' rows and empties the table when T goes backwards (a backfill rebuilds it), outside the model's
    transaction; the post-hook checkpoint_database frees the memory DuckDB holds for the replaced rows. A
    schema change stops the run (on_schema_change 'fail'). -#}
{% macro incremental_by_customer(scope_row_key) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key='customer_id',
        scope_row_key=scope_row_key,
        on_schema_change='fail',
        pre_hook={
            'sql': "{% if is_incremental() %}{{ delete_stale_rows(this) }}{% endif %}",
            'transaction': false,
        },
        post_hook={'sql': "{{ checkpoint_database() }}", 'transaction': false},
    ) }}
{%- endmacro %}
