{#- The SQL of stg_order_lines (see its description): one row per order line, its last-loaded version, typed.
    With `only_order_ids` (a select of one column of order_id), only those orders' lines are read: how the
    incremental int_order_lines_enriched reads the lines of the orders it rebuilds without deduplicating every
    landed line. Both apply the same rules, so a rebuilt line is exactly its stg_order_lines row. -#}
{% macro order_lines_landed(only_order_ids=none) -%}
{%- set landed_columns = [
    'order_id', 'line_id', 'product_id', 'quantity', 'unit_price', '_loaded_at'
] -%}
with

deduplicated as (

    {{ last_loaded_rows('order_lines', ['order_id', 'line_id'], landed_columns, only_keys=only_order_ids) }}

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
{%- endmacro %}
