-- vip (W): (3+ valid orders or 500+ EUR spent) and at least one WhatsApp message read in the last 90 days.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        orders_count,
        total_spent_eur
    from customers
    where
        (
            orders_count >= {{ var('vip_min_orders') }}
            or total_spent_eur >= {{ var('vip_min_spent_eur') }}
        )
        and whatsapp_reads_90d >= {{ var('vip_min_whatsapp_reads_90d') }}

)

select * from final
