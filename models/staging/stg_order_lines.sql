{#- One row per order line (order_id, line_id). Lines carry no timestamp: they count through their order
    (stg_orders applies T and erasure). A line landed several times keeps its last-loaded version. -#}
with

order_lines as (

    select * from {{ source('raw', 'order_lines') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_id, line_id
            order by _loaded_at desc, _source_file desc, _source_row desc
        ) as load_rank

    from order_lines

),

final as (

    select
        {{ dbt.concat(['order_id', "'-'", 'line_id']) }} as order_line_key,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(line_id as {{ dbt.type_string() }}) as line_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as {{ type_decimal(18, 2) }}) as unit_price,
        cast(quantity * unit_price as {{ type_decimal(18, 2) }}) as line_amount

    from ranked
    where load_rank = 1

)

select * from final
