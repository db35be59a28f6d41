{#- The SQL of stg_message_events (see its description): one row per distinct event before T. With
    `only_message_ids` (a select of one column of message_id), only those messages' events are read, and all of
    them collapsed: how the incremental int_messages_enriched reads the events of the messages it rebuilds
    without reading every landed event; every_message_when (a condition) reads them all. The lookup is written
    as in last_loaded_rows (see there). Both apply the same rules. -#}
{% macro message_events_landed(only_message_ids=none, every_message_when='1 = 0') -%}
with

{%- if only_message_ids is none %}

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

{%- endif %}

repeated_events as (

    -- the events of the repeated messages, or of the given messages (all of them): collapsed by a grouping
    select
        message_events.message_id,
        message_events.event_type,
        message_events.occurred_at,
        max(message_events._loaded_at) as _loaded_at

    from {{ source('raw', 'message_events') }} as message_events
    {%- if only_message_ids is none %}
    inner join {{ repeated_keys('message_events') }} as repeated_messages
        on message_events.message_id = repeated_messages.key_value
    where message_events.occurred_at < {{ as_of_instant() }}
    {%- else %}
    where
        message_events.occurred_at < {{ as_of_instant() }}
        and ((message_events.message_id in ({{ only_message_ids }})) is true or ({{ every_message_when }}))
    {%- endif %}
    group by message_events.message_id, message_events.event_type, message_events.occurred_at

),

distinct_events as (
    {%- if only_message_ids is none %}

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from single_events

    union all
    {%- endif %}

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
{%- endmacro %}
