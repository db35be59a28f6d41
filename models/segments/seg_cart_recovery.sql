-- cart_recovery (S): customers who carted in the last 7 days, ordered neither since that cart nor in the last
-- 15 days, and still need a first reminder (or, for non-regular customers, a second one).
with

customers as (

    select * from {{ ref('customers') }}

),

messages as (

    select * from {{ ref('messages') }}

),

open_carts as (

    select
        customer_id,
        last_cart_at,
        orders_6m >= {{ var('cart_recovery_regular_min_orders_6m') }} as is_regular
    from customers
    where
        last_cart_at >= {{ window_start(var('cart_recovery_cart_days'), 'day') }}
        and {{ has_no_valid_order_after('last_cart_at') }}
        and {{ has_no_valid_order_since(window_start(var('cart_recovery_quiet_days'), 'day')) }}

),

reminders_sent as (

    select
        open_carts.customer_id,
        count(distinct messages.message_id) as reminders_sent
    from open_carts
    inner join messages
        on open_carts.customer_id = messages.customer_id
    where
        messages.direction = 'outbound'
        and messages.campaign_kind = 'cart_reminder'
        and messages.campaign_launched_at < {{ as_of_instant() }}
        and messages.sent_at > open_carts.last_cart_at
        and messages.sent_at < {{ as_of_instant() }}
    group by open_carts.customer_id

),

carts_with_reminders as (

    select
        open_carts.customer_id,
        open_carts.last_cart_at,
        open_carts.is_regular,
        coalesce(reminders_sent.reminders_sent, 0) as reminders_sent,
        case
            when open_carts.is_regular then {{ var('cart_recovery_regular_delay_hours') }}
            else {{ var('cart_recovery_new_delay_hours') }}
        end as reminder_delay_hours
    from open_carts
    left join reminders_sent
        on open_carts.customer_id = reminders_sent.customer_id

),

final as (

    select
        customer_id,
        is_regular,
        reminder_delay_hours,
        {{ dbt.dateadd('hour', 'reminder_delay_hours', 'last_cart_at') }} as send_after,
        case when reminders_sent = 0 then 'first_reminder' else 'second_reminder' end as step,
        case
            when reminders_sent = 0 then {{ var('cart_recovery_first_discount_pct') }}
            else {{ var('cart_recovery_second_discount_pct') }}
        end as discount_pct
    from carts_with_reminders
    where
        reminders_sent = 0
        or (reminders_sent = 1 and not is_regular)

)

select * from final
