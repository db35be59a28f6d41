-- reactivation (S): customers whose last valid order is between 24 and 3 calendar months old, staged by how long
-- ago it was (m3 / m6 / m12), with the discount of their stage.
with

customers as (

    select * from {{ ref('customers') }}

),

lapsed as (

    select
        customer_id,
        orders_count,
        last_order_at,
        last_order_amount_ht_eur,
        case
            when last_order_at >= {{ window_start(var('reactivation_m3_months'), 'month') }} then 'm3'
            when last_order_at >= {{ window_start(var('reactivation_m6_months'), 'month') }} then 'm6'
            else 'm12'
        end as stage
    from customers
    where
        last_order_at < {{ window_start(var('reactivation_min_months'), 'month') }}
        and last_order_at >= {{ window_start(var('reactivation_max_months'), 'month') }}

),

final as (

    select
        customer_id,
        stage,
        case
            when stage = 'm3' and last_order_amount_ht_eur > {{ var('reactivation_m3_min_amount_ht_eur') }}
                then {{ var('reactivation_m3_discount_pct') }}
            when stage = 'm3'
                then {{ var('reactivation_m3_discount_pct_low') }}
            when stage = 'm6' and orders_count > {{ var('reactivation_m6_min_orders') }}
                then {{ var('reactivation_m6_discount_pct_high') }}
            when stage = 'm6'
                then {{ var('reactivation_m6_discount_pct_low') }}
            when orders_count > {{ var('reactivation_m12_min_orders') }}
                then {{ var('reactivation_m12_discount_pct_high') }}
            else {{ var('reactivation_m12_discount_pct_low') }}
        end as discount_pct,
        last_order_at
    from lapsed

)

select * from final
