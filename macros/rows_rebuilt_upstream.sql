{#- For an incremental model aggregating `upstream` by customer, where `upstream` is an incremental model
    rebuilt by customer (int_order_lines_enriched: a run replaces all rows of each customer it rebuilds, and
    they carry that run's computed_as_of) and `built` is the model's own table, built as of its
    max(computed_as_of).

    rows_rebuilt_upstream: the upstream rows of the customers to recompute, i.e. every row of each customer
    whose rows were computed as of a later T than `built` (rebuilt since) or as of this run's T (rebuilt by
    this day's run, also when the day is run again); every upstream row when `built` is empty
    (delete_stale_rows emptied it for a backfill). A filter on the rows, not a join: a rebuilt customer's rows
    all carry the same computed_as_of.

    customers_gone_upstream: the customers of `built` without any upstream row left (their last valid order
    was cancelled or moved): the model names them with a marker row (strategy replace_scope). `upstream` may
    be a list of relations: the customers without a row in any of them. -#}
{% macro rows_rebuilt_upstream(upstream, built) -%}
    select *
    from {{ upstream }} as upstream_rows
    where
        upstream_rows.computed_as_of = {{ as_of_instant() }}
        or upstream_rows.computed_as_of > (select max(built_rows.computed_as_of) from {{ built }} as built_rows)
        or (select max(built_rows.computed_as_of) from {{ built }} as built_rows) is null
{%- endmacro %}

{% macro customers_gone_upstream(upstream, built) -%}
    {%- set upstreams = upstream if upstream is sequence and upstream is not string else [upstream] %}
    select built_rows.customer_id
    from {{ built }} as built_rows
    where
        {%- for relation in upstreams %}
        {{ 'and ' if not loop.first }}not exists (
            select 1
            from {{ relation }} as upstream_rows
            where upstream_rows.customer_id = built_rows.customer_id
        )
        {%- endfor %}
{%- endmacro %}
