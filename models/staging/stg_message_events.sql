{#- One row per distinct (message_id, event_type, occurred_at) that occurred before T: providers retry
    webhooks, so exact duplicates are collapsed here. Only the events of the messages the ingest recorded in
    raw.repeated_keys can be duplicated: those alone go through `distinct`, every other event passes straight
    through (one scan instead of a distinct over every event). The repeated keys are read by each branch, not
    from a shared CTE: DuckDB materializes a CTE read twice, which stops unused columns (the hashed key) from
    being pruned by the models that read this view. -#}
with

single_events as (

    select
        message_events.message_id,
        message_events.event_type,
        message_events.occurred_at,
        message_events._loaded_at

    from {{ source('raw', 'message_events') }} as message_events
    left join {{ repeated_keys('message_events') }} as repeated_messages
        on message_events.message_id = repeated_messages.key_value
    where
        message_events.occurred_at < {{ as_of_instant() }}
        and repeated_messages.key_value is null

),

repeated_events as (

    select
        message_events.message_id,
        message_events.event_type,
        message_events.occurred_at,
        max(message_events._loaded_at) as _loaded_at

    from {{ source('raw', 'message_events') }} as message_events
    inner join {{ repeated_keys('message_events') }} as repeated_messages
        on message_events.message_id = repeated_messages.key_value
    where message_events.occurred_at < {{ as_of_instant() }}
    group by message_events.message_id, message_events.event_type, message_events.occurred_at

),

distinct_events as (

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from single_events

    union all

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from repeated_events

),

final as (

    select
        {{ hash_key(['message_id', 'event_type', 'occurred_at']) }} as message_event_key,
        message_id,
        event_type,
        occurred_at,
        loaded_at

    from distinct_events

)

select * from final
