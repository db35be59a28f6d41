-- prospects_seniors (S): prospects (no valid order, never carted) aged 50 or more.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        {{ dbt.datediff('cast(created_at as date)', as_of_date(), 'day') }} as days_since_signup
    from customers
    where
        {{ is_prospect() }}
        and age >= {{ var('prospects_seniors_min_age') }}

)

select * from final
