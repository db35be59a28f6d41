{#- One row per distinct (message_id, event_type, occurred_at) that occurred before T: providers retry
    webhooks, so exact duplicates are collapsed here. -#}
with

message_events as (

    select * from {{ source('raw', 'message_events') }}

),

distinct_events as (

    select distinct
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at

    from message_events
    where occurred_at < {{ as_of_instant() }}

),

final as (

    select
        {{ hash_key(['message_id', 'event_type', 'occurred_at']) }} as message_event_key,
        message_id,
        event_type,
        occurred_at

    from distinct_events

)

select * from final
