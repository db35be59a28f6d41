{#- One row per (valid order, product type bought in it): the product types of each valid order as of T,
    with the order's customer and time, units and EUR amount of that type. Lines of unknown products (no
    product type) are left out. Used by product-based segments (face_care_no_serum). -#}
with

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

final as (

    select
        order_id,
        customer_id,
        created_at,
        product_type,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as units,
        cast(sum(line_amount_eur) as {{ type_decimal(38, 8) }}) as amount_eur

    from order_lines
    where product_type is not null
    group by order_id, customer_id, created_at, product_type

)

select * from final
