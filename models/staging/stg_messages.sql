{#- One row per message sent before T. Messages of erased customers are excluded; unattributed ones
    (null customer_id) are kept. A message_id landed several times keeps its last-loaded version. -#}
{%- set landed_columns = [
    'message_id', 'customer_id', 'channel', 'direction', 'campaign_id', 'sent_at', '_loaded_at'
] -%}
with

deduplicated as (

    {{ last_loaded_rows('messages', ['message_id'], landed_columns, where='sent_at < ' ~ as_of_instant()) }}

),

final as (

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(sent_at as {{ dbt.type_timestamp() }}) as sent_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from deduplicated
    where {{ not_erased('customer_id') }}

)

select * from final
