-- heroes (B): 5+ valid orders, an average order of 80+ EUR, and engaged on a message in the last 90 days.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        orders_count,
        aov_eur
    from customers
    where
        orders_count >= {{ var('heroes_min_orders') }}
        and aov_eur >= {{ var('heroes_min_aov_eur') }}
        and engaged_90d

)

select * from final
