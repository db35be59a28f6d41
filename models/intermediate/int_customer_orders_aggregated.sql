{{ config(materialized='table') }}
{#- One row per customer_id with at least one valid order as of T: order counts (all time and in the
    windows of DESIGN §6), first and last order times, money in exact EUR decimals, the amount excl. tax of
    the latest order, the mean gap between orders in fractional days and the share of discounted orders. -#}
with

orders as (

    select * from {{ ref('int_orders_validated') }}

),

aggregated as (

    select
        customer_id,
        count(*) as orders_count,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        sum(net_amount_eur) as total_spent_eur,
        {{ aggregate_where('max', 'amount_excl_tax_eur', 'is_latest_order') }} as last_order_amount_ht_eur,
        {{ count_where("created_at >= " ~ window_start(var('recent_orders_days'), 'day')) }} as orders_90d,
        {{ count_where("created_at >= " ~ window_start(var('yearly_orders_days'), 'day')) }} as orders_365d,
        {{ count_where("created_at >= " ~ window_start(var('half_year_orders_months'), 'month')) }} as orders_6m,
        {{ count_where('has_discount') }} as discounted_orders_count

    from orders
    group by customer_id

),

final as (

    select
        customer_id,
        cast(orders_count as {{ dbt.type_bigint() }}) as orders_count,
        first_order_at,
        last_order_at,
        cast(total_spent_eur as {{ type_decimal(38, 8) }}) as total_spent_eur,
        {{ decimal_quotient('total_spent_eur', 'orders_count', 8) }} as aov_eur,
        cast(last_order_amount_ht_eur as {{ type_decimal(38, 8) }}) as last_order_amount_ht_eur,
        cast(orders_90d as {{ dbt.type_bigint() }}) as orders_90d,
        cast(orders_365d as {{ dbt.type_bigint() }}) as orders_365d,
        cast(orders_6m as {{ dbt.type_bigint() }}) as orders_6m,
        case
            when orders_count >= 2
                then {{ fractional_days_between('first_order_at', 'last_order_at') }} / (orders_count - 1)
        end as avg_days_between_orders,
        cast(discounted_orders_count as {{ dbt.type_bigint() }}) as discounted_orders_count,
        cast(discounted_orders_count as {{ type_double() }}) / orders_count as promo_share

    from aggregated

)

select * from final
