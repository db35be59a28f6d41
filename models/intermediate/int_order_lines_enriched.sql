{{ config(materialized='table') }}
{#- One row per order line of a valid order (int_orders_validated), with the order's customer and time, the
    product's type and collection (null for an unknown product) and the line amount in exact EUR. -#}
with

orders as (

    select * from {{ ref('int_orders_validated') }}

),

order_lines as (

    select * from {{ ref('stg_order_lines') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

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
        cast(order_lines.line_amount * orders.rate_to_eur as {{ type_decimal(38, 8) }}) as line_amount_eur

    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.product_id = products.product_id

)

select * from final
