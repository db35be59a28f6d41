-- winback (W): customers with a valid order, none in the last 6 calendar months, and no unanswered inbound message.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        last_order_at
    from customers
    where
        orders_count >= {{ var('winback_min_orders') }}
        and {{ has_no_valid_order_since(window_start(var('winback_quiet_months'), 'month')) }}
        and not has_unhandled_inbound

)

select * from final
