{{ incremental_by_customer(scope_row_key='product_type') }}
{#- One row per (customer, product type) the customer bought in a valid order before T: how many orders,
    units and EUR, first and last purchase. The purchase history behind favourite_product_type. Aggregated
    from the lines directly, not from the view int_order_product_types_listed (which has no computed_as_of to
    filter on): an incremental run reads only the rebuilt customers' lines.

    Incremental by customer, after int_order_lines_enriched: a later run reads only the lines of the customers
    int_order_lines_enriched rebuilt since this table's build (macro rows_rebuilt_upstream) and recomputes
    those customers; a customer left without lines (customers_gone_upstream) gets a marker row, null
    product_type, that removes its rows (strategy replace_scope). Pre-hook delete_stale_rows (erasure, backfill)
    and post-hook checkpoint_database as the order chain. -#}
with

order_lines as {{ not_materialized() }} (

    {%- if is_incremental() %}
    {{ rows_rebuilt_upstream(ref('int_order_lines_enriched'), this) }}
    {%- else %}
    select * from {{ ref('int_order_lines_enriched') }}
    {%- endif %}

),

{% if is_incremental() %}

customers_to_rebuild as (

    select order_lines.customer_id from order_lines

    union

    {{ customers_gone_upstream(ref('int_order_lines_enriched'), this) }}

),

{% endif %}

final as (

    select
        customer_id,
        product_type,
        cast(count(distinct order_id) as {{ dbt.type_bigint() }}) as orders_count,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as units,
        cast(sum(line_amount_eur) as {{ type_decimal(38, 8) }}) as amount_eur,
        min(created_at) as first_ordered_at,
        max(created_at) as last_ordered_at,
        {{ as_of_instant() }} as computed_as_of,
        max(last_loaded_at) as last_loaded_at

    from order_lines
    where product_type is not null
    group by customer_id, product_type

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a product type: a marker row (null product_type) that deletes its rows
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'customer_id', 'product_type', 'orders_count', 'units', 'amount_eur', 'first_ordered_at',
    'last_ordered_at', 'computed_as_of', 'last_loaded_at'
]) }}

{%- endif %}
