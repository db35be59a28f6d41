{{ config(materialized='table') }}
{#- One row per anonymous_id with at least one event tagged with a customer_id before T, and its owner: the
    customer_id of its latest tagged event (DESIGN §6), occurred_at ties broken by the larger event_id
    (computed in the single pass of int_web_visitors_aggregated). Anonymous ids never tagged before T belong
    to nobody and are absent. The owner may be an erased customer (stg_web_events is not erasure-filtered):
    such an id is owned, never anonymous, and matches no row of marts.customers. -#}
with

web_visitors as (

    select * from {{ ref('int_web_visitors_aggregated') }}

),

final as (

    select
        anonymous_id,
        owner_customer_id as customer_id,
        stitched_at

    from web_visitors
    where owner_customer_id is not null

)

select * from final
