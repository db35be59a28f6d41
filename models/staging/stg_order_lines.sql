{#- One row per order line (order_id, line_id). Lines carry no timestamp: they count through their order
    (stg_orders applies T and erasure). A line landed several times keeps its last-loaded version; loaded_at
    says when that version landed. -#}
{%- set landed_columns = [
    'order_id', 'line_id', 'product_id', 'quantity', 'unit_price', '_loaded_at'
] -%}
with

deduplicated as (

    {{ last_loaded_rows('order_lines', ['order_id', 'line_id'], landed_columns) }}

),

final as (

    select
        {{ dbt.concat(['order_id', "'-'", 'line_id']) }} as order_line_key,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(line_id as {{ dbt.type_string() }}) as line_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as {{ type_decimal(18, 2) }}) as unit_price,
        cast(quantity * unit_price as {{ type_decimal(18, 2) }}) as line_amount,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from deduplicated

)

select * from final
