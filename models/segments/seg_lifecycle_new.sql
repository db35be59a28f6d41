-- lifecycle_new (S): customers whose lifecycle_stage is 'new'.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        lifecycle_stage = 'new'

)

select * from final
