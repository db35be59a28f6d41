{{ config(materialized='table') }}
{#- One row per customer_id with at least one attributed message sent before T: WhatsApp inbound count, last
    inbound message, unhandled inbound messages, WhatsApp reads and e-mail deliveries/opens in the engagement
    windows, last engagement, and per-channel unsubscribes (DESIGN §6). Messages count for
    messages.customer_id; unattributed ones for nobody. -#}
{%- set engagement_start = window_start(var('engagement_window_days'), 'day') -%}
{%- set long_engagement_start = window_start(var('long_engagement_window_days'), 'day') -%}
{%- set outbound_email = "channel = 'email' and direction = 'outbound'" -%}
{%- set not_bounced = "first_bounced_at is null and first_failed_at is null" -%}
{%- set opened = "(first_opened_at is not null or first_clicked_at is not null)" -%}
with

messages as (

    select * from {{ ref('int_messages_enriched') }}

),

attributed_messages as (

    select * from messages
    where customer_id is not null

),

aggregated as (

    select
        customer_id,
        count(*) as messages_count,
        {{ count_where("channel = 'whatsapp' and direction = 'inbound'") }} as whatsapp_inbound_count,
        {{ aggregate_where('max', 'sent_at', "direction = 'inbound'") }} as last_inbound_at,
        {{ count_where("direction = 'inbound' and first_handled_at is null") }} as unhandled_inbound_count,
        {{ count_where("channel = 'whatsapp' and direction = 'outbound' and last_read_at >= " ~ engagement_start) }}
            as whatsapp_reads_90d,
        {{ count_where(outbound_email ~ " and sent_at >= " ~ engagement_start ~ " and " ~ not_bounced) }}
            as email_delivered_90d,
        {{ count_where(outbound_email ~ " and sent_at >= " ~ engagement_start ~ " and " ~ not_bounced ~ " and " ~ opened) }}
            as email_opened_90d,
        {{ count_where(outbound_email ~ " and sent_at >= " ~ long_engagement_start ~ " and " ~ not_bounced) }}
            as email_delivered_180d,
        {{ count_where(outbound_email ~ " and sent_at >= " ~ long_engagement_start ~ " and " ~ not_bounced ~ " and " ~ opened) }}
            as email_opened_180d,
        max(last_engaged_at) as last_engaged_at,
        {{ count_where("channel = 'email' and first_unsubscribed_at is not null") }} as email_unsubscribes,
        {{ count_where("channel = 'sms' and first_unsubscribed_at is not null") }} as sms_unsubscribes,
        {{ count_where("channel = 'whatsapp' and first_unsubscribed_at is not null") }} as whatsapp_unsubscribes

    from attributed_messages
    group by customer_id

),

final as (

    select
        customer_id,
        cast(messages_count as {{ dbt.type_bigint() }}) as messages_count,
        cast(whatsapp_inbound_count as {{ dbt.type_bigint() }}) as whatsapp_inbound_count,
        last_inbound_at,
        (unhandled_inbound_count > 0) as has_unhandled_inbound,
        cast(whatsapp_reads_90d as {{ dbt.type_bigint() }}) as whatsapp_reads_90d,
        cast(email_delivered_90d as {{ dbt.type_bigint() }}) as email_delivered_90d,
        cast(email_opened_90d as {{ dbt.type_bigint() }}) as email_opened_90d,
        cast(email_delivered_180d as {{ dbt.type_bigint() }}) as email_delivered_180d,
        cast(email_opened_180d as {{ dbt.type_bigint() }}) as email_opened_180d,
        last_engaged_at,
        coalesce(last_engaged_at >= {{ engagement_start }}, false) as engaged_90d,
        (email_unsubscribes > 0) as has_email_unsubscribe,
        (sms_unsubscribes > 0) as has_sms_unsubscribe,
        (whatsapp_unsubscribes > 0) as has_whatsapp_unsubscribe

    from aggregated

)

select * from final
