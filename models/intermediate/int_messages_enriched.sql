{{ config(materialized='table') }}
{#- One row per message sent before T, with the first time of each status event before T (duplicate events
    are harmless: only first and last times are kept), the last read and the last engagement (read, opened
    or clicked) time, and its campaign (null when unknown or launched at or after T). -#}
with

messages as (

    select * from {{ ref('stg_messages') }}

),

message_events as (

    select * from {{ ref('stg_message_events') }}

),

campaigns as (

    select * from {{ ref('stg_campaigns') }}

),

events_before_t as (

    select * from message_events
    where occurred_at < {{ as_of_instant() }}

),

event_times as (

    select
        message_id,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'delivered'") }} as first_delivered_at,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'read'") }} as first_read_at,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'opened'") }} as first_opened_at,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'clicked'") }} as first_clicked_at,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'bounced'") }} as first_bounced_at,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'failed'") }} as first_failed_at,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'unsubscribed'") }} as first_unsubscribed_at,
        {{ aggregate_where('min', 'occurred_at', "event_type = 'handled'") }} as first_handled_at,
        {{ aggregate_where('max', 'occurred_at', "event_type = 'read'") }} as last_read_at,
        {{ aggregate_where('max', 'occurred_at', "event_type in ('read', 'opened', 'clicked')") }}
            as last_engaged_at

    from events_before_t
    group by message_id

),

final as (

    select
        messages.message_id,
        messages.customer_id,
        messages.channel,
        messages.direction,
        messages.campaign_id,
        campaigns.name as campaign_name,
        campaigns.kind as campaign_kind,
        campaigns.launched_at as campaign_launched_at,
        messages.sent_at,
        event_times.first_delivered_at,
        event_times.first_read_at,
        event_times.first_opened_at,
        event_times.first_clicked_at,
        event_times.first_bounced_at,
        event_times.first_failed_at,
        event_times.first_unsubscribed_at,
        event_times.first_handled_at,
        event_times.last_read_at,
        event_times.last_engaged_at

    from messages
    left join event_times
        on messages.message_id = event_times.message_id
    left join campaigns
        on messages.campaign_id = campaigns.campaign_id
    where messages.sent_at < {{ as_of_instant() }}

)

select * from final
