-- prospects_young_urban (S): prospects (no valid order, never carted) aged 18 to 34 living in a large city.
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
        and age >= {{ var('prospects_young_min_age') }}
        and age < {{ var('prospects_young_max_age') }}
        and is_urban

)

select * from final
