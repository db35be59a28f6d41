{{ incremental_by_customer(scope_row_key='collection') }}
{#- One row per (customer, product collection) the customer bought in a valid order before T: how many
    orders, units and EUR, last purchase. The purchase history behind favourite_collection. Lines of products
    without a collection are left out.

    Incremental by customer, after int_order_lines_enriched: a later run reads only the lines of the customers
    int_order_lines_enriched rebuilt since this table's build (macro rows_rebuilt_upstream) and recomputes
    those customers; a customer left without lines (customers_gone_upstream) gets a marker row, null
    collection, that removes its rows (strategy replace_scope). Pre-hook delete_stale_rows (erasure, backfill)
    and post-hook checkpoint_database as the order chain. -#}
with

order_lines as {{ not_materialized() }} (

    {%- if is_incremental() %}
    {{ rows_rebuilt_upstream(ref('int_order_lines_enriched'), this) }}
    {%- else %}
    select * from {{ ref('int_order_lines_enriched') }}
    {%- endif %}

),

{% if is_incremental() %}

customers_to_rebuild as (

    select order_lines.customer_id from order_lines

    union

    {{ customers_gone_upstream(ref('int_order_lines_enriched'), this) }}

),

{% endif %}

final as (

    select
        customer_id,
        collection,
        cast(count(distinct order_id) as {{ dbt.type_bigint() }}) as orders_count,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as units,
        cast(sum(line_amount_eur) as {{ type_decimal(38, 8) }}) as amount_eur,
        max(created_at) as last_ordered_at,
        {{ as_of_instant() }} as computed_as_of,
        max(last_loaded_at) as last_loaded_at

    from order_lines
    where collection is not null
    group by customer_id, collection

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a collection: a marker row (null collection) that deletes its rows
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'customer_id', 'collection', 'orders_count', 'units', 'amount_eur', 'last_ordered_at', 'computed_as_of',
    'last_loaded_at'
]) }}

{%- endif %}
