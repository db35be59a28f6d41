{{ config(materialized='view') }}
{#- One row per message sent before T (attributed or not): channel, direction, campaign, send time and the
    first time of each status event before T, plus the last read and last engagement (read, opened or
    clicked) times. A view over the int_messages_enriched table (which the per-customer messaging facts read
    too): writing 30M messages a second time is the costliest step of the customer facts; the serving copy
    publishes it as a table. -#}
with

messages as (

    select * from {{ ref('int_messages_enriched') }}

),

final as (

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(campaign_kind as {{ dbt.type_string() }}) as campaign_kind,
        cast(campaign_launched_at as {{ dbt.type_timestamp() }}) as campaign_launched_at,
        cast(sent_at as {{ dbt.type_timestamp() }}) as sent_at,
        cast(first_delivered_at as {{ dbt.type_timestamp() }}) as first_delivered_at,
        cast(first_read_at as {{ dbt.type_timestamp() }}) as first_read_at,
        cast(first_opened_at as {{ dbt.type_timestamp() }}) as first_opened_at,
        cast(first_clicked_at as {{ dbt.type_timestamp() }}) as first_clicked_at,
        cast(first_bounced_at as {{ dbt.type_timestamp() }}) as first_bounced_at,
        cast(first_failed_at as {{ dbt.type_timestamp() }}) as first_failed_at,
        cast(first_unsubscribed_at as {{ dbt.type_timestamp() }}) as first_unsubscribed_at,
        cast(first_handled_at as {{ dbt.type_timestamp() }}) as first_handled_at,
        cast(last_read_at as {{ dbt.type_timestamp() }}) as last_read_at,
        cast(last_engaged_at as {{ dbt.type_timestamp() }}) as last_engaged_at

    from messages

)

select * from final
