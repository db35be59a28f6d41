-- waiting (B): customers who carted in the last 7 days and have not ordered since.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        last_cart_at
    from customers
    where
        last_cart_at >= {{ window_start(var('waiting_cart_days'), 'day') }}
        and {{ has_no_valid_order_after('last_cart_at') }}

)

select * from final
