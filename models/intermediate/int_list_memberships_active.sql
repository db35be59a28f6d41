{{ config(materialized='table') }}
{#- One row per (list_id, customer_id) with a subscription active at T: subscribed before T and not
    unsubscribed before T (an unsubscription at or after T has not happened yet). When several subscriptions
    of the same customer to the same list are active, the latest one is kept (ties: larger list_name). -#}
with

list_memberships as (

    select * from {{ ref('stg_list_memberships') }}

),

active_memberships as (

    select
        *,
        row_number() over (
            partition by list_id, customer_id
            order by subscribed_at desc, list_name desc
        ) as subscription_recency_rank

    from list_memberships
    where
        subscribed_at < {{ as_of_instant() }}
        and (unsubscribed_at is null or unsubscribed_at >= {{ as_of_instant() }})

),

final as (

    select
        list_id,
        list_name,
        customer_id,
        subscribed_at

    from active_memberships
    where subscription_recency_rank = 1

)

select * from final
