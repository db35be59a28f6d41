-- campaign_engaged_no_purchase (X): customers who opened, read or clicked a campaign message in the last 14 days
-- and placed no valid order in the last 14 days.
with

customers as (

    select * from {{ ref('customers') }}

),

messages as (

    select * from {{ ref('messages') }}

),

recently_engaged as (

    -- last_engaged_at: the latest read, opened or clicked event of the message before T
    select distinct customer_id
    from messages
    where
        direction = 'outbound'
        and campaign_id is not null
        and last_engaged_at >= {{ window_start(var('campaign_engaged_days'), 'day') }}

),

final as (

    select customers.customer_id
    from customers
    inner join recently_engaged
        on customers.customer_id = recently_engaged.customer_id
    where {{ has_no_valid_order_since(window_start(var('campaign_engaged_quiet_days'), 'day')) }}

)

select * from final
