-- birthday_this_month (X): customers born in the calendar month of the as-of date D.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        birth_date
    from customers
    where
        extract(month from birth_date) = extract(month from {{ as_of_date() }})

)

select * from final
