-- first_order (B): customers with exactly one valid order.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        first_order_at
    from customers
    where
        orders_count = 1

)

select * from final
