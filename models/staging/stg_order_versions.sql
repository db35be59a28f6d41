{#- One row per landed version of an order, whatever its dates (before or after T): when it was created,
    updated and cancelled, whose it was and when it landed. Nothing is picked: stg_orders chooses the version
    valid at T. The incremental order chain reads this to find the orders that can have changed since its last
    build, and every customer any version of such an order belonged to. Versions of erased customers are
    absent. -#}
with

versions as (

    select * from {{ source('raw', 'orders') }}
    where {{ not_erased('customer_id') }}

),

final as (

    select
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(cancelled_at as {{ dbt.type_timestamp() }}) as cancelled_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from versions

)

select * from final
