{{ config(materialized='table') }}
{#- One row per valid order with at least one line: line count, units and the distinct product types bought
    (sorted, comma-separated; lines of unknown products count as lines but bring no type). A table of its own:
    aggregating the lines while joining them to the orders does not fit the memory budget at 10M orders. -#}
with

order_lines as {{ not_materialized() }} (

    select * from {{ ref('int_order_lines_enriched') }}

),

line_totals as (

    select
        order_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as line_count,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as units

    from order_lines
    group by order_id

),

product_type_lists as (

    {{ distinct_value_lists('order_lines', 'order_id', 'product_type', 'product_types') }}

),

final as (

    select
        line_totals.order_id,
        line_totals.line_count,
        line_totals.units,
        product_type_lists.product_types

    from line_totals
    left join product_type_lists
        on line_totals.order_id = product_type_lists.order_id

)

select * from final
