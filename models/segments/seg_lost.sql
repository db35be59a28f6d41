-- lost (B): customers with a valid order and no activity at all in the last 180 days.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        last_activity_at
    from customers
    where
        orders_count >= {{ var('lost_min_orders') }}
        and last_activity_at < {{ window_start(var('lost_inactive_days'), 'day') }}

)

select * from final
