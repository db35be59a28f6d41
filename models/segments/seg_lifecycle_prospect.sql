-- lifecycle_prospect (S): customers whose lifecycle_stage is 'prospect'.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        lifecycle_stage = 'prospect'

)

select * from final
