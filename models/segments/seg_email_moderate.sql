-- email_moderate (S): at least one e-mail opened in the last 90 days, not super-active.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        {{ is_email_moderate() }}

)

select * from final
