{{ config(materialized='table') }}
{#- One row per valid order as of T (DESIGN §6): latest version created before T, not cancelled before T
    (a cancellation at or after T has not happened yet), not voided. EUR amounts come from stg_orders.
    order_rank numbers each customer's valid orders from 1 by (created_at, order_id); the latest order is the
    last one in that order, so created_at ties go to the larger order_id. -#}
with

orders as (

    select * from {{ ref('stg_orders') }}

),

valid_orders as (

    select * from orders
    where
        created_at < {{ as_of_instant() }}
        and (cancelled_at is null or cancelled_at >= {{ as_of_instant() }})
        and financial_status <> 'voided'

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by created_at, order_id
        ) as order_rank,
        count(*) over (partition by customer_id) as customer_orders_count

    from valid_orders

),

final as (

    select
        order_id,
        customer_id,
        created_at,
        currency,
        rate_to_eur,
        total_price,
        total_tax,
        total_discounts,
        total_refunded,
        discount_codes,
        financial_status,
        source_name,
        net_amount_eur,
        amount_excl_tax_eur,
        has_discount,
        cast(order_rank as {{ dbt.type_int() }}) as order_rank,
        (order_rank = customer_orders_count) as is_latest_order

    from ranked

)

select * from final
