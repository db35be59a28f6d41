-- lifecycle_active (S): customers whose lifecycle_stage is 'active'.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        lifecycle_stage = 'active'

)

select * from final
