-- high_aov (Y): 2+ valid orders and an average order of 120+ EUR.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        aov_eur
    from customers
    where
        orders_count >= {{ var('high_aov_min_orders') }}
        and aov_eur >= {{ var('high_aov_min_aov_eur') }}

)

select * from final
