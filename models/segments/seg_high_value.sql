-- high_value (X): customers with a valid order whose total spent reaches the 0.9 continuous quantile of total
-- spent among customers with a valid order.
with

customers as (

    select * from {{ ref('customers') }}

),

buyers as (

    select
        customer_id,
        total_spent_eur
    from customers
    where orders_count >= 1

),

spend_threshold as (

    select {{ continuous_quantile('total_spent_eur', var('high_value_quantile')) }} as threshold_eur
    from buyers

),

final as (

    select
        buyers.customer_id,
        buyers.total_spent_eur
    from buyers
    cross join spend_threshold
    where cast(buyers.total_spent_eur as {{ type_double() }}) >= spend_threshold.threshold_eur

)

select * from final
