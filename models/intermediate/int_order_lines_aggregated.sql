{{ config(materialized='table') }}
{#- One row per valid order with at least one line: line count, units and the distinct product types bought
    (sorted, comma-separated; lines of unknown products count as lines but bring no type). A table of its own:
    aggregating the lines while joining them to the orders does not fit the memory budget at 10M orders. -#}
with

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

final as (

    select
        order_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as line_count,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as units,
        {{ string_agg_distinct('product_type') }} as product_types

    from order_lines
    group by order_id

)

select * from final
