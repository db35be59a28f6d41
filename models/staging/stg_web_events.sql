{#- One row per web event that occurred before T. Not filtered for erasure: identity stitching needs every
    tagged event (an anonymous_id owned by an erased customer must not turn anonymous); the marts keep only
    customers present in stg_customers. An event_id landed several times keeps its last-loaded version. -#}
{%- set landed_columns = [
    'event_id', 'occurred_at', 'anonymous_id', 'customer_id', 'session_id', 'event_type', 'product_id',
    'page_path'
] -%}
with

deduplicated as (

    {{ last_loaded_rows('web_events', ['event_id'], landed_columns, where='occurred_at < ' ~ as_of_instant()) }}

),

final as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(page_path as {{ dbt.type_string() }}) as page_path

    from deduplicated

)

select * from final
