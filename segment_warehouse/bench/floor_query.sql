-- The benchmark floor: marts.customers (DESIGN §6) computed by ONE hand-written DuckDB query straight from
-- the landing Parquet files, with no ingest, no quarantine, no intermediate tables and no tests. What the
-- daily run costs above this is the price of the warehouse (typing, audit, layering, checks, history).
--
-- Placeholders ($$landing, $$as_of_instant, …) are filled by segment_warehouse/bench/floor.py: the landing directory, D and T, the
-- cities seed, the fx rates, and the metric windows from dbt_project.yml vars. DuckDB-only SQL (qualify,
-- arg_max, filter clauses): this is a benchmark, not a model.
create or replace table floor_customers as
with

customer_versions as (
    select
        cast(customer_id as varchar) as customer_id,
        cast(email as varchar) as email,
        cast(phone as varchar) as phone,
        lower(trim(cast(gender as varchar))) as gender,
        try_cast(birth_date as date) as birth_date,
        cast(city as varchar) as city,
        upper(trim(cast(country_code as varchar))) as country_code,
        try_cast(latitude as double) as latitude,
        try_cast(longitude as double) as longitude,
        coalesce(try_cast(email_opt_in as boolean), false) as email_opt_in,
        coalesce(try_cast(sms_opt_in as boolean), false) as sms_opt_in,
        coalesce(try_cast(whatsapp_opt_in as boolean), false) as whatsapp_opt_in,
        try_cast(created_at as timestamp) as created_at,
        try_cast(updated_at as timestamp) as updated_at,
        deleted_at
    from read_parquet('$landing/customers/*.parquet', union_by_name = true)
),

erased as (
    select distinct customer_id from customer_versions where deleted_at is not null
),

customers as (
    select *
    from customer_versions
    where updated_at < $as_of_instant
    qualify row_number() over (partition by customer_id order by updated_at desc) = 1
),

live_customers as (
    select customers.*
    from customers
    anti join erased using (customer_id)
    where customers.created_at < $as_of_instant
),

fx_rates as (
    select * from (values $fx_values) as fx (currency, rate_to_eur)
),

order_versions as (
    select
        cast(order_id as varchar) as order_id,
        cast(customer_id as varchar) as customer_id,
        try_cast(created_at as timestamp) as created_at,
        try_cast(updated_at as timestamp) as updated_at,
        upper(trim(cast(currency as varchar))) as currency,
        try_cast(total_price as decimal(18, 2)) as total_price,
        try_cast(total_tax as decimal(18, 2)) as total_tax,
        try_cast(total_refunded as decimal(18, 2)) as total_refunded,
        lower(trim(cast(financial_status as varchar))) as financial_status,
        try_cast(cancelled_at as timestamp) as cancelled_at
    from read_parquet('$landing/orders/*.parquet', union_by_name = true)
),

valid_orders as (
    select
        o.customer_id,
        o.order_id,
        o.created_at,
        (o.total_price - coalesce(o.total_refunded, 0)) * fx_rates.rate_to_eur as net_amount_eur,
        (o.total_price - coalesce(o.total_tax, 0)) * fx_rates.rate_to_eur as amount_excl_tax_eur
    from order_versions as o
    inner join fx_rates on o.currency = fx_rates.currency
    where o.updated_at < $as_of_instant
    qualify
        row_number() over (partition by o.order_id order by o.updated_at desc) = 1
        and o.created_at < $as_of_instant
        and (o.cancelled_at is null or o.cancelled_at >= $as_of_instant)
        and o.financial_status <> 'voided'
),

order_facts as (
    select
        customer_id,
        count(*) as orders_count,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        sum(net_amount_eur) as total_spent_eur,
        arg_max(amount_excl_tax_eur, (created_at, order_id)) as last_order_amount_ht_eur,
        count(*) filter (where created_at >= $as_of_instant - interval $recent_orders_days day) as orders_90d,
        count(*) filter (where created_at >= $as_of_instant - interval $yearly_orders_days day) as orders_365d,
        count(*) filter (
            where created_at >= $as_of_instant - interval $half_year_orders_months month
        ) as orders_6m
    from valid_orders
    group by customer_id
),

messages as (
    select
        cast(message_id as varchar) as message_id,
        cast(customer_id as varchar) as customer_id,
        lower(trim(cast(channel as varchar))) as channel,
        lower(trim(cast(direction as varchar))) as direction,
        try_cast(sent_at as timestamp) as sent_at
    from read_parquet('$landing/messages/*.parquet', union_by_name = true)
    where customer_id is not null and try_cast(sent_at as timestamp) < $as_of_instant
),

message_event_flags as (
    select
        cast(message_id as varchar) as message_id,
        bool_or(event_type = 'handled') as is_handled,
        bool_or(event_type in ('bounced', 'failed')) as is_bounced,
        bool_or(event_type in ('opened', 'clicked')) as is_opened,
        bool_or(event_type = 'unsubscribed') as is_unsubscribed,
        bool_or(
            event_type = 'read' and occurred_at >= $as_of_instant - interval $engagement_window_days day
        ) as is_read_recently,
        max(occurred_at) filter (where event_type in ('read', 'opened', 'clicked')) as last_engagement_at
    from (
        select
            message_id,
            lower(trim(cast(event_type as varchar))) as event_type,
            try_cast(occurred_at as timestamp) as occurred_at
        from read_parquet('$landing/message_events/*.parquet', union_by_name = true)
    ) as events
    where occurred_at < $as_of_instant
    group by message_id
),

message_facts as (
    select
        m.customer_id,
        count(distinct m.message_id) filter (
            where m.channel = 'whatsapp' and m.direction = 'inbound'
        ) as whatsapp_inbound_count,
        coalesce(bool_or(m.direction = 'inbound' and not coalesce(f.is_handled, false)), false)
            as has_unhandled_inbound,
        count(distinct m.message_id) filter (
            where m.channel = 'whatsapp' and m.direction = 'outbound' and f.is_read_recently
        ) as whatsapp_reads_90d,
        count(distinct m.message_id) filter (
            where m.channel = 'email' and m.direction = 'outbound' and not coalesce(f.is_bounced, false)
            and m.sent_at >= $as_of_instant - interval $engagement_window_days day
        ) as email_delivered_90d,
        count(distinct m.message_id) filter (
            where m.channel = 'email' and m.direction = 'outbound' and not coalesce(f.is_bounced, false)
            and m.sent_at >= $as_of_instant - interval $long_engagement_window_days day
        ) as email_delivered_180d,
        count(distinct m.message_id) filter (
            where m.channel = 'email' and m.direction = 'outbound' and not coalesce(f.is_bounced, false)
            and f.is_opened and m.sent_at >= $as_of_instant - interval $engagement_window_days day
        ) as email_opened_90d,
        count(distinct m.message_id) filter (
            where m.channel = 'email' and m.direction = 'outbound' and not coalesce(f.is_bounced, false)
            and f.is_opened and m.sent_at >= $as_of_instant - interval $long_engagement_window_days day
        ) as email_opened_180d,
        coalesce(
            bool_or(f.last_engagement_at >= $as_of_instant - interval $engagement_window_days day), false
        ) as engaged_90d,
        max(m.sent_at) filter (where m.direction = 'inbound') as last_inbound_at,
        max(f.last_engagement_at) as last_engagement_at,
        coalesce(bool_or(m.channel = 'email' and f.is_unsubscribed), false) as email_unsubscribed,
        coalesce(bool_or(m.channel = 'sms' and f.is_unsubscribed), false) as sms_unsubscribed,
        coalesce(bool_or(m.channel = 'whatsapp' and f.is_unsubscribed), false) as whatsapp_unsubscribed
    from messages as m
    left join message_event_flags as f on m.message_id = f.message_id
    group by m.customer_id
),

web_events as (
    select
        cast(event_id as varchar) as event_id,
        try_cast(occurred_at as timestamp) as occurred_at,
        cast(anonymous_id as varchar) as anonymous_id,
        cast(customer_id as varchar) as customer_id,
        lower(trim(cast(event_type as varchar))) as event_type
    from read_parquet('$landing/web_events/*.parquet', union_by_name = true)
    where try_cast(occurred_at as timestamp) < $as_of_instant
),

identity_owners as (
    select anonymous_id, arg_max(customer_id, (occurred_at, event_id)) as owner_customer_id
    from web_events
    where customer_id is not null
    group by anonymous_id
),

web_facts as (
    select
        owners.owner_customer_id as customer_id,
        max(w.occurred_at) as last_visit_at,
        max(w.occurred_at) filter (where w.event_type in ('add_to_cart', 'begin_checkout')) as last_cart_at
    from web_events as w
    inner join identity_owners as owners on w.anonymous_id = owners.anonymous_id
    group by owners.owner_customer_id
),

cities as (
    select lower(city) as city_key, population, latitude, longitude
    from read_csv('$cities_csv', header = true, auto_detect = true)
),

joined as (
    select
        c.customer_id,
        c.email,
        c.phone,
        c.gender,
        c.city,
        c.country_code,
        c.created_at,
        c.birth_date,
        c.email_opt_in,
        c.sms_opt_in,
        c.whatsapp_opt_in,
        case when c.latitude is not null and c.longitude is not null then c.latitude else cities.latitude end
            as from_latitude,
        case when c.latitude is not null and c.longitude is not null then c.longitude else cities.longitude end
            as from_longitude,
        coalesce(cities.population >= $urban_min_population, false) as is_urban,
        coalesce(o.orders_count, 0) as orders_count,
        o.first_order_at,
        o.last_order_at,
        coalesce(o.total_spent_eur, 0) as total_spent_eur,
        -- exact decimal, truncated at 8 decimals like the marts (DuckDB divides decimals in double precision)
        cast(cast(o.total_spent_eur * 100000000 as hugeint) // o.orders_count as decimal(38, 0))
        * cast('0.00000001' as decimal(38, 8)) as aov_eur,
        o.last_order_amount_ht_eur,
        coalesce(o.orders_90d, 0) as orders_90d,
        coalesce(o.orders_365d, 0) as orders_365d,
        coalesce(o.orders_6m, 0) as orders_6m,
        case
            when o.orders_count >= 2
                then epoch(o.last_order_at - o.first_order_at) / 86400.0 / (o.orders_count - 1)
        end as avg_days_between_orders,
        coalesce(m.whatsapp_inbound_count, 0) as whatsapp_inbound_count,
        coalesce(m.has_unhandled_inbound, false) as has_unhandled_inbound,
        coalesce(m.whatsapp_reads_90d, 0) as whatsapp_reads_90d,
        coalesce(m.email_delivered_90d, 0) as email_delivered_90d,
        coalesce(m.email_delivered_180d, 0) as email_delivered_180d,
        coalesce(m.email_opened_90d, 0) as email_opened_90d,
        coalesce(m.email_opened_180d, 0) as email_opened_180d,
        coalesce(m.engaged_90d, false) as engaged_90d,
        m.last_inbound_at,
        m.last_engagement_at,
        coalesce(m.email_unsubscribed, false) as email_unsubscribed,
        coalesce(m.sms_unsubscribed, false) as sms_unsubscribed,
        coalesce(m.whatsapp_unsubscribed, false) as whatsapp_unsubscribed,
        w.last_visit_at,
        w.last_cart_at
    from live_customers as c
    left join cities on lower(c.city) = cities.city_key
    left join order_facts as o on c.customer_id = o.customer_id
    left join message_facts as m on c.customer_id = m.customer_id
    left join web_facts as w on c.customer_id = w.customer_id
),

final as (
    select
        customer_id,
        orders_count,
        first_order_at,
        last_order_at,
        total_spent_eur,
        aov_eur,
        last_order_amount_ht_eur,
        orders_90d,
        orders_365d,
        orders_6m,
        avg_days_between_orders,
        whatsapp_inbound_count,
        has_unhandled_inbound,
        whatsapp_reads_90d,
        email_delivered_90d,
        email_delivered_180d,
        email_opened_90d,
        email_opened_180d,
        engaged_90d,
        last_visit_at,
        last_cart_at,
        greatest(last_order_at, last_visit_at, last_inbound_at, last_engagement_at) as last_activity_at,
        coalesce(trim(email), '') <> '' and email_opt_in and not email_unsubscribed as email_consent,
        coalesce(trim(phone), '') <> '' and sms_opt_in and not sms_unsubscribed as sms_consent,
        coalesce(trim(phone), '') <> '' and whatsapp_opt_in and not whatsapp_unsubscribed as whatsapp_consent,
        year(date '$as_of_date') - year(birth_date)
        - case
            when month(date '$as_of_date') * 100 + day(date '$as_of_date') < month(birth_date) * 100 + day(birth_date)
                then 1
            else 0
        end as age,
        gender,
        city,
        country_code,
        is_urban,
        2 * $earth_radius_km * asin(sqrt(
            pow(sin(radians(from_latitude - $store_latitude) / 2), 2)
            + cos(radians($store_latitude)) * cos(radians(from_latitude))
            * pow(sin(radians(from_longitude - $store_longitude) / 2), 2)
        )) as distance_km,
        case
            when orders_count = 0 then 'prospect'
            when first_order_at >= $as_of_instant - interval $lifecycle_new_days day then 'new'
            when last_order_at < $as_of_instant - interval $lifecycle_lost_days day then 'lost'
            when last_order_at < $as_of_instant - interval $lifecycle_at_risk_days day then 'at_risk'
            when orders_count >= $lifecycle_loyal_min_orders then 'loyal'
            else 'active'
        end as lifecycle_stage,
        case
            when email_delivered_90d >= $email_super_active_min_delivered
                and email_opened_90d / email_delivered_90d >= $email_super_active_min_open_rate
                then 'super_active'
            when email_opened_90d >= $email_moderate_min_opened then 'moderate'
            when email_delivered_180d >= $email_dormant_min_delivered and email_opened_180d = 0 then 'dormant'
            else 'none'
        end as engagement_tier
    from joined
)

select * from final
