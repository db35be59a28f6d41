{{ incremental_by_customer(scope_row_key='order_id') }}
{#- One row per valid order with at least one line: its customer, line count, units and the distinct product
    types bought (sorted, comma-separated; lines of unknown products count as lines but bring no type). A
    table of its own: aggregating the lines while joining them to the orders does not fit the memory budget at
    10M orders.

    Incremental by customer, after int_order_lines_enriched: a later run reads only the lines of the customers
    int_order_lines_enriched rebuilt since this table's build (macro rows_rebuilt_upstream) and recomputes
    those customers; a customer left without lines (customers_gone_upstream) gets a marker row, null
    order_id, that removes its rows (strategy replace_scope). Pre-hook delete_stale_rows (erasure, backfill)
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

line_totals as (

    select
        order_id,
        customer_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as line_count,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as units,
        max(last_loaded_at) as last_loaded_at

    from order_lines
    group by order_id, customer_id

),

product_type_lists as (

    {{ distinct_value_lists('order_lines', 'order_id', 'product_type', 'product_types') }}

),

final as (

    select
        line_totals.order_id,
        line_totals.customer_id,
        line_totals.line_count,
        line_totals.units,
        product_type_lists.product_types,
        {{ as_of_instant() }} as computed_as_of,
        line_totals.last_loaded_at

    from line_totals
    left join product_type_lists
        on line_totals.order_id = product_type_lists.order_id

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a line: a marker row (null order_id) that deletes its rows
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'order_id', 'customer_id', 'line_count', 'units', 'product_types', 'computed_as_of', 'last_loaded_at'
]) }}

{%- endif %}
