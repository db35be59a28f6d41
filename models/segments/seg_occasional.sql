-- occasional (B): customers with 2+ valid orders overall but only 1 or 2 in the last 365 days, with the share of
-- their valid orders that carried a discount (promo_share of marts.customers).
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        promo_share
    from customers
    where
        orders_count >= {{ var('occasional_min_orders') }}
        and orders_365d >= {{ var('occasional_min_orders_365d') }}
        and orders_365d <= {{ var('occasional_max_orders_365d') }}

)

select * from final
