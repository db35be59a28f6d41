{{ config(materialized='table') }}
{#- One row per (customer, product collection) the customer bought in a valid order before T: how many
    orders, units and EUR, last purchase. The purchase history behind favourite_collection. Lines of products
    without a collection are left out. -#}
with

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

final as (

    select
        customer_id,
        collection,
        cast(count(distinct order_id) as {{ dbt.type_bigint() }}) as orders_count,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as units,
        cast(sum(line_amount_eur) as {{ type_decimal(38, 8) }}) as amount_eur,
        max(created_at) as last_ordered_at

    from order_lines
    where collection is not null
    group by customer_id, collection

)

select * from final
