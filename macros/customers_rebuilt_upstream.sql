{#- The customers an incremental model aggregating `upstream` by customer must recompute, where `upstream` is
    an incremental model rebuilt by customer (int_order_lines_enriched: a rebuilt customer's rows all carry
    that run's computed_as_of) and `built` is the model's own table, built as of its max(computed_as_of):
    - the customers with an upstream row computed as of a later T than `built` (rebuilt since), or as of this
      run's T (rebuilt by this day's run, also when the day is run again);
    - the customers of `built` without any upstream row left (their last valid order was cancelled or moved);
    - every upstream customer when `built` is empty (delete_stale_rows emptied it for a backfill).
    Renders a select of customer_id (distinct when unioned). -#}
{% macro customers_rebuilt_upstream(upstream, built) -%}
    select upstream_rows.customer_id
    from {{ upstream }} as upstream_rows
    where
        upstream_rows.computed_as_of = {{ as_of_instant() }}
        or upstream_rows.computed_as_of > (select max(built_rows.computed_as_of) from {{ built }} as built_rows)
        or (select max(built_rows.computed_as_of) from {{ built }} as built_rows) is null

    union

    select built_rows.customer_id
    from {{ built }} as built_rows
    where not exists (
        select 1
        from {{ upstream }} as upstream_rows
        where upstream_rows.customer_id = built_rows.customer_id
    )
{%- endmacro %}
