-- nearby (S): customers living within 20 km of the store.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        distance_km
    from customers
    where
        distance_km <= {{ var('nearby_radius_km') }}

)

select * from final
