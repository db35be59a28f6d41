{{ incremental_by_customer(scope_row_key='order_id') }}
{#- One row per valid order as of T (int_orders_validated) with its line count, units and product types
    (int_order_lines_aggregated; 0 lines, 0 units and no type for an order without lines): the rows of
    marts.orders, which is a contracted view over this table.

    Incremental by customer, after the order chain: a later run recomputes only the customers that
    int_orders_validated or int_order_lines_aggregated rebuilt since this table's build (macro
    rows_rebuilt_upstream: their rows carry a later computed_as_of, or this run's) and the customers left
    without a valid order (customers_gone_upstream), who get a marker row, null order_id, that removes their
    rows (strategy replace_scope). A customer cannot lose its lines without int_orders_validated rebuilding
    it: int_order_lines_enriched empties a customer only when its orders changed (the same
    order_customers_to_rebuild and repriced_customers as int_orders_validated). Pre-hook delete_stale_rows
    (erasure, backfill) and post-hook checkpoint_database as the order chain. -#}
with

{% if is_incremental() %}

customers_to_rebuild as (

    select rebuilt_orders.customer_id
    from ({{ rows_rebuilt_upstream(ref('int_orders_validated'), this) }}) as rebuilt_orders

    union

    select rebuilt_lines.customer_id
    from ({{ rows_rebuilt_upstream(ref('int_order_lines_aggregated'), this) }}) as rebuilt_lines

    union

    {{ customers_gone_upstream(ref('int_orders_validated'), this) }}

),

orders as (

    select * from {{ ref('int_orders_validated') }}
    where customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)

),

order_lines as (

    select * from {{ ref('int_order_lines_aggregated') }}
    where customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)

),

{% else %}

orders as (

    select * from {{ ref('int_orders_validated') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_aggregated') }}

),

{% endif %}

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.created_at,
        orders.currency,
        orders.rate_to_eur,
        orders.total_price,
        orders.total_tax,
        orders.total_discounts,
        orders.total_refunded,
        orders.net_amount_eur,
        orders.amount_excl_tax_eur,
        orders.has_discount,
        orders.discount_codes,
        orders.financial_status,
        orders.source_name,
        coalesce(order_lines.line_count, 0) as line_count,
        coalesce(order_lines.units, 0) as units,
        order_lines.product_types,
        orders.order_rank,
        orders.is_latest_order,
        {{ as_of_instant() }} as computed_as_of,
        {{ greatest_ignoring_nulls(['orders.last_loaded_at', 'order_lines.last_loaded_at']) }} as last_loaded_at

    from orders
    left join order_lines
        on orders.order_id = order_lines.order_id

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a valid order: a marker row (null order_id) that deletes its rows
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'order_id', 'customer_id', 'created_at', 'currency', 'rate_to_eur', 'total_price', 'total_tax',
    'total_discounts', 'total_refunded', 'net_amount_eur', 'amount_excl_tax_eur', 'has_discount',
    'discount_codes', 'financial_status', 'source_name', 'line_count', 'units', 'product_types', 'order_rank',
    'is_latest_order', 'computed_as_of', 'last_loaded_at'
]) }}

{%- endif %}
