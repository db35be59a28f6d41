-- leads (B): contactable (e-mail or phone present) customers without a valid order.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        (has_email or has_phone)
        and orders_count = 0

)

select * from final
