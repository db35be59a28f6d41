-- whatsapp_prospects (W): customers who wrote to us on WhatsApp and never placed a valid order.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        last_inbound_at
    from customers
    where
        whatsapp_inbound_count >= {{ var('whatsapp_prospects_min_inbound') }}
        and orders_count = 0

)

select * from final
