-- newsletter_subscribers (B): customers who consent to e-mail.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        email_consent

)

select * from final
