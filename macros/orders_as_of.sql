{#- The SQL of stg_orders (see its description): one row per order existing at T, typed, with its EUR
    amounts. With `only_order_ids` (a select of one column of order_id), only those orders are read: how the
    incremental order chain reads the orders of the customers it rebuilds (int_orders_validated) without
    ranking every landed version. Both apply the same rules, so a rebuilt order is exactly its stg_orders row. -#}
{% macro orders_as_of(only_order_ids=none) -%}
{%- set landed_columns = [
    'order_id', 'customer_id', 'created_at', 'updated_at', 'currency', 'total_price', 'total_tax',
    'total_discounts', 'total_refunded', 'discount_codes', 'financial_status', 'cancelled_at', 'source_name'
] -%}
with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

latest_versions as (

    {{ latest_versions_as_of('orders', 'order_id', landed_columns, only_keys=only_order_ids) }}

),

typed as (

    select
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(total_price as {{ type_decimal(18, 2) }}) as total_price,
        cast(total_tax as {{ type_decimal(18, 2) }}) as total_tax,
        cast(total_discounts as {{ type_decimal(18, 2) }}) as total_discounts,
        cast(total_refunded as {{ type_decimal(18, 2) }}) as total_refunded,
        cast(discount_codes as {{ dbt.type_string() }}) as discount_codes,
        cast(financial_status as {{ dbt.type_string() }}) as financial_status,
        cast(
            case when cancelled_at < {{ as_of_instant() }} then cancelled_at end
            as {{ dbt.type_timestamp() }}
        ) as cancelled_at,
        cast(source_name as {{ dbt.type_string() }}) as source_name

    from latest_versions

),

converted as (

    select
        typed.*,
        cast(fx_rates.rate_to_eur as {{ type_decimal(12, 6) }}) as rate_to_eur

    from typed
    left join fx_rates
        on typed.currency = fx_rates.currency

),

final as (

    select
        order_id,
        customer_id,
        created_at,
        updated_at,
        currency,
        total_price,
        total_tax,
        total_discounts,
        total_refunded,
        discount_codes,
        financial_status,
        cancelled_at,
        source_name,
        rate_to_eur,
        (cancelled_at is null and financial_status <> 'voided') as is_valid,
        cast(
            (total_price - coalesce(total_refunded, 0)) * rate_to_eur as {{ type_decimal(30, 8) }}
        ) as net_amount_eur,
        cast(
            (total_price - coalesce(total_tax, 0)) * rate_to_eur as {{ type_decimal(30, 8) }}
        ) as amount_excl_tax_eur,
        (
            coalesce(trim(discount_codes), '') <> ''
            or coalesce(total_discounts, 0) > 0
        ) as has_discount

    from converted

)

select * from final
{%- endmacro %}
