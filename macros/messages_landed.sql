{#- The SQL of stg_messages (see its description): one row per message sent before T, its last-loaded version,
    without erased customers' messages. With `only_message_ids` (a select of one column of message_id), only
    those messages are read: how the incremental int_messages_enriched reads the messages it rebuilds without
    deduplicating every landed message; every_message_when (a condition) reads them all (last_loaded_rows).
    Both apply the same rules, so a rebuilt message is its stg_messages row. -#}
{% macro messages_landed(only_message_ids=none, every_message_when='1 = 0') -%}
{%- set landed_columns = [
    'message_id', 'customer_id', 'channel', 'direction', 'campaign_id', 'sent_at', '_loaded_at'
] -%}
with

deduplicated as (

    {{ last_loaded_rows(
        'messages',
        ['message_id'],
        landed_columns,
        where='sent_at < ' ~ as_of_instant(),
        only_keys=only_message_ids,
        every_key_when=every_message_when
    ) }}

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
{%- endmacro %}
