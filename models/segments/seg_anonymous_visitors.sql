-- anonymous_visitors (B): one row per anonymous_id seen on the site in the last 30 days that belongs to no
-- customer (no event of that anonymous_id before T carries a customer_id: DESIGN §6 identity stitching).
-- One row per visitor from int_web_visitors_aggregated (its owner, last event, events in the last
-- `anonymous_visitors_days` days and cart events, all before T), not a pass over the 50 M web events.
with

web_visitors as (

    select * from {{ ref('int_web_visitors_aggregated') }}

),

final as (

    select
        anonymous_id,
        last_seen_at,
        recent_events_count as events_30d,
        cart_events_count > 0 as has_carted
    from web_visitors
    where
        owner_customer_id is null
        and recent_events_count > 0

)

select * from final
