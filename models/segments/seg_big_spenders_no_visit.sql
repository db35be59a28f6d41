-- big_spenders_no_visit (X): customers who spent more than 500 EUR and have not visited the site in the last 3 calendar months.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id
    from customers
    where
        total_spent_eur > {{ var('big_spenders_min_spent_eur') }}
        and (last_visit_at is null or last_visit_at < {{ window_start(var('big_spenders_no_visit_months'), 'month') }})

)

select * from final
