{{ config(materialized='table') }}
{#- One row per customer existing at T: consent per channel (DESIGN §6). A channel is consented when its
    address is present (non-null, non-blank: email for e-mail, phone for SMS and WhatsApp), the channel's
    opt-in flag is true (missing = false), and no unsubscribed event occurred before T on any of the
    customer's messages of that channel. Never null. -#}
with

customers as (

    select * from {{ ref('stg_customers') }}

),

messaging as (

    select * from {{ ref('int_customer_messaging_aggregated') }}

),

final as (

    select
        customers.customer_id,
        (
            {{ is_present('customers.email') }}
            and coalesce(customers.email_opt_in, false)
            and not coalesce(messaging.has_email_unsubscribe, false)
        ) as email_consent,
        (
            {{ is_present('customers.phone') }}
            and coalesce(customers.sms_opt_in, false)
            and not coalesce(messaging.has_sms_unsubscribe, false)
        ) as sms_consent,
        (
            {{ is_present('customers.phone') }}
            and coalesce(customers.whatsapp_opt_in, false)
            and not coalesce(messaging.has_whatsapp_unsubscribe, false)
        ) as whatsapp_consent

    from customers
    left join messaging
        on customers.customer_id = messaging.customer_id

)

select * from final
