{{
    config(
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key='customer_id',
        scope_row_key='product_type',
        on_schema_change='fail',
        pre_hook={
            'sql': "{% if is_incremental() %}{{ delete_stale_rows(this) }}{% endif %}",
            'transaction': false,
        },
        post_hook={'sql': "{{ checkpoint_database() }}", 'transaction': false},
    )
}}
{#- One row per (customer, product type) the customer bought in a valid order before T: how many orders,
    units and EUR, first and last purchase. The purchase history behind favourite_product_type.

    Incremental by customer, after int_order_lines_enriched: a later run recomputes the customers whose lines
    were rebuilt since its build, or who have no line left (macro customers_rebuilt_upstream; a marker row,
    null product_type, removes the latter, strategy replace_scope). Pre-hook delete_stale_rows (erasure,
    backfill) and post-hook checkpoint_database as the order chain. -#}
-- depends_on: {{ ref('int_order_lines_enriched') }} (read only by an incremental run: macro customers_rebuilt_upstream)
with

{% if is_incremental() %}

customers_to_rebuild as (

    {{ customers_rebuilt_upstream(ref('int_order_lines_enriched'), this) }}

),

{% endif %}

order_product_types as (

    select * from {{ ref('int_order_product_types_listed') }}
    {%- if is_incremental() %}
    where customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)
    {%- endif %}

),

final as (

    select
        customer_id,
        product_type,
        cast(count(*) as {{ dbt.type_bigint() }}) as orders_count,
        cast(sum(units) as {{ dbt.type_bigint() }}) as units,
        cast(sum(amount_eur) as {{ type_decimal(38, 8) }}) as amount_eur,
        min(created_at) as first_ordered_at,
        max(created_at) as last_ordered_at,
        {{ as_of_instant() }} as computed_as_of,
        max(last_loaded_at) as last_loaded_at

    from order_product_types
    group by customer_id, product_type

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a product type: a marker row (null product_type) that deletes its rows
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'customer_id', 'product_type', 'orders_count', 'units', 'amount_eur', 'first_ordered_at',
    'last_ordered_at', 'computed_as_of', 'last_loaded_at'
]) }}

{%- endif %}
