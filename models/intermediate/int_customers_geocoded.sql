{{ config(materialized='table') }}
{#- One row per customer existing at T: its city matched case-insensitively in the seed `cities`
    (lower(city) = lower(seed city); should a name appear twice, the seed row of the customer's country wins,
    then the larger population, then country_code and city), is_urban (matched city with population
    >= var('urban_min_population'), false otherwise) and distance_km (haversine to the store, from the
    customer's own latitude and longitude when both are present, else the matched city's, else null). -#}
with

customers as (

    select * from {{ ref('stg_customers') }}

),

cities as (

    select * from {{ ref('cities') }}

),

city_matches as (

    select
        customers.customer_id,
        cities.city as seed_city,
        cities.population as city_population,
        cities.latitude as city_latitude,
        cities.longitude as city_longitude,
        row_number() over (
            partition by customers.customer_id
            order by
                case when cities.country_code = customers.country_code then 0 else 1 end,
                cities.population desc,
                cities.country_code,
                cities.city
        ) as match_rank

    from customers
    inner join cities
        on lower(customers.city) = lower(cities.city)

),

best_city_matches as (

    select * from city_matches
    where match_rank = 1

),

located as (

    select
        customers.customer_id,
        best_city_matches.seed_city,
        best_city_matches.city_population,
        case
            when customers.latitude is not null and customers.longitude is not null then 'customer'
            when best_city_matches.city_latitude is not null and best_city_matches.city_longitude is not null
                then 'city'
        end as location_source,
        case
            when customers.latitude is not null and customers.longitude is not null then customers.latitude
            else best_city_matches.city_latitude
        end as location_latitude,
        case
            when customers.latitude is not null and customers.longitude is not null then customers.longitude
            else best_city_matches.city_longitude
        end as location_longitude

    from customers
    left join best_city_matches
        on customers.customer_id = best_city_matches.customer_id

),

final as (

    select
        customer_id,
        seed_city,
        city_population,
        coalesce(city_population >= {{ var('urban_min_population') }}, false) as is_urban,
        location_source,
        cast(location_latitude as {{ type_double() }}) as location_latitude,
        cast(location_longitude as {{ type_double() }}) as location_longitude,
        cast(
            {{ haversine_km(
                'location_latitude', 'location_longitude',
                'cast(' ~ var('store_latitude') ~ ' as ' ~ type_double() ~ ')',
                'cast(' ~ var('store_longitude') ~ ' as ' ~ type_double() ~ ')'
            ) }}
            as {{ type_double() }}
        ) as distance_km

    from located

)

select * from final
