{#- One row per valid order as of T (DESIGN §6): amounts in the order's currency and in exact EUR, discount
    flag, line count, units, product types bought, and the order's rank among its customer's valid orders
    (1 = first; the latest order breaks created_at ties by the larger order_id). Orders whose customer does
    not exist at T are kept (DESIGN §5: they simply match no customer). -#}
with

orders as (

    select * from {{ ref('int_orders_validated') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

lines_per_order as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        {{ string_agg_distinct('product_type') }} as product_types

    from order_lines
    group by order_id

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
        cast(coalesce(lines_per_order.line_count, 0) as {{ dbt.type_bigint() }}) as line_count,
        cast(coalesce(lines_per_order.units, 0) as {{ dbt.type_bigint() }}) as units,
        cast(lines_per_order.product_types as {{ dbt.type_string() }}) as product_types,
        cast(orders.order_rank as {{ dbt.type_int() }}) as order_rank,
        cast(orders.is_latest_order as {{ dbt.type_boolean() }}) as is_latest_order

    from orders
    left join lines_per_order
        on orders.order_id = lines_per_order.order_id

)

select * from final
