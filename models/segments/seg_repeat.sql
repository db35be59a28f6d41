-- repeat (B): customers with 2+ valid orders in the last 90 days.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        orders_90d
    from customers
    where
        orders_90d >= {{ var('repeat_min_orders_90d') }}

)

select * from final
