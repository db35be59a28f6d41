-- anonymous_visitors (B): one row per anonymous_id seen on the site in the last 30 days that belongs to no
-- customer (no event of that anonymous_id before T carries a customer_id: DESIGN §6 identity stitching).
with

web_events as (

    select * from {{ ref('int_web_events_stitched') }}

),

unowned_visitors as (

    select
        anonymous_id,
        max(occurred_at) as last_seen_at,
        sum(
            case when occurred_at >= {{ window_start(var('anonymous_visitors_days'), 'day') }} then 1 else 0 end
        ) as events_30d,
        max(case when event_type in ('add_to_cart', 'begin_checkout') then 1 else 0 end) = 1 as has_carted
    from web_events
    where
        owner_customer_id is null
        and occurred_at < {{ as_of_instant() }}
    group by anonymous_id

),

final as (

    select
        anonymous_id,
        last_seen_at,
        events_30d,
        has_carted
    from unowned_visitors
    where events_30d > 0

)

select * from final
