{{ incremental_by_customer(scope_row_key='order_id') }}
{#- One row per valid order as of T (DESIGN §6): latest version created before T, not cancelled before T
    (a cancellation at or after T has not happened yet), not voided. EUR amounts come from stg_orders.
    order_rank numbers each customer's valid orders from 1 by (created_at, order_id); the latest order is the
    last one in that order, so created_at ties go to the larger order_id.

    Incremental, by customer (a rank depends on all of the customer's orders): a later run rebuilds, from the
    whole history, the customers whose orders can have changed since the build as of T_prev =
    max(computed_as_of) (macro order_customers_to_rebuild: versions recorded, orders created or cancelled in
    [T_prev, T), versions landed after max(last_loaded_at), and every customer any version of such an order
    named) and the customers whose fx rate changed (macro repriced_customers). A rebuilt customer left with
    no valid order gets a marker row (null order_id) that deletes its rows (incremental strategy
    replace_scope). The pre-hook (macro delete_stale_rows) deletes erased customers' rows and empties the
    table when T goes backwards (a backfill: that run rebuilds everything); the post-hook checkpoints.
    An incremental run reads the rebuilt customers' orders with stg_orders' own rules (macro orders_as_of),
    restricted to the orders with a version that names one of them: an order's latest version is one of its
    versions, so none of their orders is missed, and only these orders' versions are ranked, not the whole
    landed history (8.6 s -> 4.3 s a day at 1 000 000 customers). -#}
-- depends_on: {{ ref('fx_rates') }} {{ source('raw', 'orders') }} {{ source('raw', 'customers') }} (read only by an incremental run: macros repriced_customers, orders_as_of)
with

{% if is_incremental() %}

previous_build as (

    select
        max(computed_as_of) as as_of_instant,
        max(last_loaded_at) as loaded_through

    from {{ this }}

),

customers_to_rebuild as (

    {{ order_customers_to_rebuild('previous_build') }}

    union

    {{ repriced_customers(this) }}

),

{%- set orders_of_rebuilt_customers -%}
        select versions_of_rebuilt.order_id
        from {{ source('raw', 'orders') }} as versions_of_rebuilt
        where versions_of_rebuilt.customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)
{%- endset %}

orders as (

    {{ orders_as_of(only_order_ids=orders_of_rebuilt_customers) | indent(4) }}

),

{% else %}

orders as (

    select * from {{ ref('stg_orders') }}

),

{% endif %}

valid_orders as (

    select * from orders
    where
        created_at < {{ as_of_instant() }}
        and (cancelled_at is null or cancelled_at >= {{ as_of_instant() }})
        and financial_status <> 'voided'
        {%- if is_incremental() %}
        and customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)
        {%- endif %}

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

loads as (

    select max(loaded_at) as loaded_through
    from {{ ref('stg_order_versions') }}

),

final as (

    select
        ranked.order_id,
        ranked.customer_id,
        ranked.created_at,
        ranked.currency,
        ranked.rate_to_eur,
        ranked.total_price,
        ranked.total_tax,
        ranked.total_discounts,
        ranked.total_refunded,
        ranked.discount_codes,
        ranked.financial_status,
        ranked.source_name,
        ranked.net_amount_eur,
        ranked.amount_excl_tax_eur,
        ranked.has_discount,
        cast(ranked.order_rank as {{ dbt.type_int() }}) as order_rank,
        (ranked.order_rank = ranked.customer_orders_count) as is_latest_order,
        {{ as_of_instant() }} as computed_as_of,
        loads.loaded_through as last_loaded_at

    from ranked
    cross join loads

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a valid order: a marker row (null order_id) that deletes its rows
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'order_id', 'customer_id', 'created_at', 'currency', 'rate_to_eur', 'total_price', 'total_tax',
    'total_discounts', 'total_refunded', 'discount_codes', 'financial_status', 'source_name', 'net_amount_eur',
    'amount_excl_tax_eur', 'has_discount', 'order_rank', 'is_latest_order', 'computed_as_of', 'last_loaded_at'
]) }}

{%- endif %}
