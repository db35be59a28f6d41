{{ config(materialized='table') }}
{#- One row per anonymous_id seen before T, in one pass over the web events: its owner by identity stitching
    (DESIGN §6: the customer_id of its latest event before T that carries one, occurred_at ties broken by the
    larger event_id; null when no event is tagged), first and last event, last cart event (add_to_cart or
    begin_checkout) and event counts, also over the last `anonymous_visitors_days` days. A table: it is the
    only pass over the event-grain staging view for the customer facts and the anonymous visitors;
    int_identities_stitched, int_customer_web_activity_aggregated and seg_anonymous_visitors read it. -#}
with

web_events as (

    select * from {{ ref('stg_web_events') }}

),

events_before_t as (

    select * from web_events
    where occurred_at < {{ as_of_instant() }}

),

per_visitor as (

    select
        anonymous_id,
        {{ latest_value('customer_id', ['occurred_at', 'event_id'], 'customer_id is not null') }}
            as owner_customer_id,
        {{ aggregate_where('max', 'occurred_at', 'customer_id is not null') }} as stitched_at,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        {{ aggregate_where('max', 'occurred_at', "event_type in ('add_to_cart', 'begin_checkout')") }}
            as last_cart_at,
        count(*) as events_count,
        {{ count_where("event_type in ('add_to_cart', 'begin_checkout')") }} as cart_events_count,
        {{ count_where('occurred_at >= ' ~ window_start(var('anonymous_visitors_days'), 'day')) }}
            as recent_events_count

    from events_before_t
    group by anonymous_id

),

final as (

    select
        cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(owner_customer_id as {{ dbt.type_string() }}) as owner_customer_id,
        cast(stitched_at as {{ dbt.type_timestamp() }}) as stitched_at,
        cast(first_seen_at as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(last_seen_at as {{ dbt.type_timestamp() }}) as last_seen_at,
        cast(last_cart_at as {{ dbt.type_timestamp() }}) as last_cart_at,
        cast(events_count as {{ dbt.type_bigint() }}) as events_count,
        cast(cart_events_count as {{ dbt.type_bigint() }}) as cart_events_count,
        cast(recent_events_count as {{ dbt.type_bigint() }}) as recent_events_count

    from per_visitor

)

select * from final
