-- email_dormant (S): at least 3 e-mails delivered in the last 180 days, none opened, in neither tier above.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        {{ is_email_dormant() }}

)

select * from final
