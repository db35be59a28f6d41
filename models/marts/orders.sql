{{ config(materialized='view') }}
{#- One row per valid order as of T (DESIGN §6): amounts in the order's currency and in exact EUR, discount
    flag, line count, units, product types bought, and the order's rank among its customer's valid orders
    (1 = first; the latest order breaks created_at ties by the larger order_id). Orders whose customer does
    not exist at T are kept (DESIGN §5: they simply match no customer). A contracted view over the incremental
    table int_orders_enriched (without its bookkeeping columns): a run rewrites only the orders of the customers
    that changed, not all 10M; the serving copy publishes it as a table. -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

final as (

    select
        cast(orders.order_id as {{ dbt.type_string() }}) as order_id,
        cast(orders.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(orders.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(orders.currency as {{ dbt.type_string() }}) as currency,
        cast(orders.rate_to_eur as {{ type_decimal(12, 6) }}) as rate_to_eur,
        cast(orders.total_price as {{ type_decimal(18, 2) }}) as total_price,
        cast(orders.total_tax as {{ type_decimal(18, 2) }}) as total_tax,
        cast(orders.total_discounts as {{ type_decimal(18, 2) }}) as total_discounts,
        cast(orders.total_refunded as {{ type_decimal(18, 2) }}) as total_refunded,
        cast(orders.net_amount_eur as {{ type_decimal(38, 8) }}) as net_amount_eur,
        cast(orders.amount_excl_tax_eur as {{ type_decimal(38, 8) }}) as amount_excl_tax_eur,
        cast(orders.has_discount as {{ dbt.type_boolean() }}) as has_discount,
        cast(orders.discount_codes as {{ dbt.type_string() }}) as discount_codes,
        cast(orders.financial_status as {{ dbt.type_string() }}) as financial_status,
        cast(orders.source_name as {{ dbt.type_string() }}) as source_name,
        cast(orders.line_count as {{ dbt.type_bigint() }}) as line_count,
        cast(orders.units as {{ dbt.type_bigint() }}) as units,
        cast(orders.product_types as {{ dbt.type_string() }}) as product_types,
        cast(orders.order_rank as {{ dbt.type_int() }}) as order_rank,
        cast(orders.is_latest_order as {{ dbt.type_boolean() }}) as is_latest_order

    from orders

)

select * from final
