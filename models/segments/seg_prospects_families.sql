-- prospects_families (S): prospects (no valid order, never carted) aged 35 to 49 living outside large cities.
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
        and age >= {{ var('prospects_families_min_age') }}
        and age < {{ var('prospects_families_max_age') }}
        and not is_urban

)

select * from final
