{{ config(materialized='view') }}
{#- One row per message sent before T (attributed or not): channel, direction, campaign, send time and the
    first time of each status event before T, plus the last read and last engagement (read, opened or
    clicked) times, and its campaign (null when unknown or launched at or after T). A view over the incremental
    int_messages_enriched table (which the per-customer messaging facts read too) and the few campaigns:
    writing 30M messages a second time is the costliest step of the customer facts; the serving copy
    publishes it as a table. -#}
with

messages as (

    select * from {{ ref('int_messages_enriched') }}

),

campaigns as (

    select * from {{ ref('stg_campaigns') }}

),

final as (

    select
        cast(messages.message_id as {{ dbt.type_string() }}) as message_id,
        cast(messages.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(messages.channel as {{ dbt.type_string() }}) as channel,
        cast(messages.direction as {{ dbt.type_string() }}) as direction,
        cast(messages.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(campaigns.name as {{ dbt.type_string() }}) as campaign_name,
        cast(campaigns.kind as {{ dbt.type_string() }}) as campaign_kind,
        cast(campaigns.launched_at as {{ dbt.type_timestamp() }}) as campaign_launched_at,
        cast(messages.sent_at as {{ dbt.type_timestamp() }}) as sent_at,
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
    left join campaigns
        on messages.campaign_id = campaigns.campaign_id

)

select * from final
