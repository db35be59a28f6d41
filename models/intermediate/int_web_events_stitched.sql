{#- One row per web event before T with owner_customer_id, the owner of its anonymous_id
    (int_identities_stitched), null when the anonymous_id belongs to nobody. Stitching is literal: an event
    tagged with another customer still counts for the owner. -#}
with

web_events as (

    select * from {{ ref('stg_web_events') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

final as (

    select
        web_events.event_id,
        web_events.occurred_at,
        web_events.anonymous_id,
        web_events.customer_id,
        identities.customer_id as owner_customer_id,
        web_events.session_id,
        web_events.event_type,
        web_events.product_id,
        web_events.page_path,
        (web_events.event_type in ('add_to_cart', 'begin_checkout')) as is_cart_event

    from web_events
    left join identities
        on web_events.anonymous_id = identities.anonymous_id
    where web_events.occurred_at < {{ as_of_instant() }}

)

select * from final
