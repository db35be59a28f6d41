{{ config(materialized='table') }}
{#- One row per customer owning at least one anonymous_id (identity stitching, DESIGN §6): first and last
    web event, last cart event (add_to_cart or begin_checkout), event counts and number of anonymous ids,
    over every event of the anonymous ids the customer owns, before T. Stitching is literal: an event tagged
    with another customer counts for the owner of its anonymous_id. -#}
with

web_visitors as (

    select * from {{ ref('int_web_visitors_aggregated') }}

),

final as (

    select
        owner_customer_id as customer_id,
        min(first_seen_at) as first_visit_at,
        max(last_seen_at) as last_visit_at,
        max(last_cart_at) as last_cart_at,
        cast(sum(events_count) as {{ dbt.type_bigint() }}) as web_events_count,
        cast(sum(cart_events_count) as {{ dbt.type_bigint() }}) as cart_events_count,
        cast(count(*) as {{ dbt.type_bigint() }}) as anonymous_ids_count

    from web_visitors
    where owner_customer_id is not null
    group by owner_customer_id

)

select * from final
