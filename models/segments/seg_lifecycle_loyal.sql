-- lifecycle_loyal (S): customers whose lifecycle_stage is 'loyal'.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        lifecycle_stage = 'loyal'

)

select * from final
