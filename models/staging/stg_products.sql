{#- One row per product. Products carry no timestamp: the last-loaded version of each product_id wins. -#}
with

products as (

    select * from {{ source('raw', 'products') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by product_id
            order by _loaded_at desc, _source_file desc, _source_row desc
        ) as load_rank

    from products

),

final as (

    select
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(product_type as {{ dbt.type_string() }}) as product_type,
        cast(collection as {{ dbt.type_string() }}) as collection,
        cast(price as {{ type_decimal(18, 2) }}) as price

    from ranked
    where load_rank = 1

)

select * from final
