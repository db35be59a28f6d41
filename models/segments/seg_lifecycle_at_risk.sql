-- lifecycle_at_risk (S): customers whose lifecycle_stage is 'at_risk'.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        lifecycle_stage = 'at_risk'

)

select * from final
