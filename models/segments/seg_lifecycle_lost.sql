-- lifecycle_lost (S): customers whose lifecycle_stage is 'lost'.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        lifecycle_stage = 'lost'

)

select * from final
