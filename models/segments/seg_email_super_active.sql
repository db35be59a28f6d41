-- email_super_active (S): at least 3 e-mails delivered in the last 90 days, half of them or more opened.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        {{ is_email_super_active() }}

)

select * from final
