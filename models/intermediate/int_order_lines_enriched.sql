{{ incremental_by_customer(scope_row_key='order_line_key') }}
{#- One row per order line of a valid order (int_orders_validated), with the order's customer, time, currency
    and rate, the product's type and collection (null for an unknown product) and the line amount in exact EUR.

    Incremental, by customer, like int_orders_validated: a later run rebuilds the customers whose orders can
    have changed since its build (macro order_customers_to_rebuild), whose fx rate changed (macro
    repriced_customers), who have a line landed after that build (a late or corrected line), or whose lines
    name a product whose type or collection is no longer what the table holds. A rebuilt customer without
    lines gets a marker row (null order_line_key, incremental strategy replace_scope). Pre-hook
    delete_stale_rows (erasure, backfill) and post-hook checkpoint_database as int_orders_validated.
    last_loaded_at is per row: the later of the order's (int_orders_validated.last_loaded_at) and the line's
    load, so the table's maximum is a load every line up to it was built with.
    A full build reads stg_order_lines. An incremental run reads only the lines of the orders it rebuilds, with
    stg_order_lines' own rules (macro order_lines_landed), and finds late lines in raw.order_lines: a line's
    last-loaded version landed after the build exactly when one of its landed rows did. It reads orders twice,
    each time through a filter: not materialized, so DuckDB does not keep the 9 M valid orders in between. -#}
-- depends_on: {{ ref('fx_rates') }} {{ ref('stg_order_versions') }} {{ source('raw', 'order_lines') }} (read only by an incremental run: macros repriced_customers, order_customers_to_rebuild, order_lines_landed)
with

orders as {{ not_materialized() }} (

    select * from {{ ref('int_orders_validated') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

{% if is_incremental() %}

previous_build as (

    select
        max(computed_as_of) as as_of_instant,
        max(last_loaded_at) as loaded_through

    from {{ this }}

),

customers_to_rebuild as (

    {{ order_customers_to_rebuild('previous_build') }}

    union

    {{ repriced_customers(this) }}

    union

    select orders.customer_id
    from {{ source('raw', 'order_lines') }} as landed_lines
    inner join orders
        on landed_lines.order_id = orders.order_id
    where landed_lines._loaded_at > (select previous_build.loaded_through from previous_build)

    union

    select built.customer_id
    from {{ this }} as built
    left join products
        on built.product_id = products.product_id
    where
        built.product_type is distinct from products.product_type
        or built.collection is distinct from products.collection

),

orders_to_rebuild as (

    select * from orders
    where orders.customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)

),

order_lines as (

    {{ order_lines_landed(only_order_ids='select orders_to_rebuild.order_id from orders_to_rebuild') | indent(4) }}

),

{% else %}

order_lines as (

    select * from {{ ref('stg_order_lines') }}

),

{% endif %}

final as (

    select
        order_lines.order_line_key,
        order_lines.order_id,
        order_lines.line_id,
        orders.customer_id,
        orders.created_at,
        order_lines.product_id,
        products.product_type,
        products.collection,
        order_lines.quantity,
        order_lines.line_amount,
        orders.currency,
        orders.rate_to_eur,
        cast(order_lines.line_amount * orders.rate_to_eur as {{ type_decimal(38, 8) }}) as line_amount_eur,
        {{ as_of_instant() }} as computed_as_of,
        {{ greatest_ignoring_nulls(['orders.last_loaded_at', 'order_lines.loaded_at']) }} as last_loaded_at

    from order_lines
    inner join {{ 'orders_to_rebuild' if is_incremental() else 'orders' }} as orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.product_id = products.product_id

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a line: a marker row (null order_line_key) that deletes its rows
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'order_line_key', 'order_id', 'line_id', 'customer_id', 'created_at', 'product_id', 'product_type',
    'collection', 'quantity', 'line_amount', 'currency', 'rate_to_eur', 'line_amount_eur', 'computed_as_of',
    'last_loaded_at'
]) }}

{%- endif %}
