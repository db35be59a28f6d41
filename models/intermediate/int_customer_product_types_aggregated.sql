{{ config(materialized='table') }}
{#- One row per (customer, product type) the customer bought in a valid order before T: how many orders,
    units and EUR, first and last purchase. The purchase history behind favourite_product_type. -#}
with

order_product_types as (

    select * from {{ ref('int_order_product_types_listed') }}

),

final as (

    select
        customer_id,
        product_type,
        cast(count(*) as {{ dbt.type_bigint() }}) as orders_count,
        cast(sum(units) as {{ dbt.type_bigint() }}) as units,
        cast(sum(amount_eur) as {{ type_decimal(38, 8) }}) as amount_eur,
        min(created_at) as first_ordered_at,
        max(created_at) as last_ordered_at

    from order_product_types
    group by customer_id, product_type

)

select * from final
