-- country (Y/X): customers of the country var('segment_country').
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        country_code = '{{ var("segment_country") }}'

)

select * from final
