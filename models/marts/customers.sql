{#- One row per non-erased customer existing at T (DESIGN §6): identity and contact, consent, demographics,
    order, messaging, web and list facts, lifecycle stage, e-mail engagement tier and RFM scores. Counts are 0
    and total_spent_eur is 0 without orders; booleans are never null; dates and averages are null where
    undefined. Every threshold is a dbt var. -#}
with

customers as (

    select * from {{ ref('stg_customers') }}

),

customer_orders as (

    select * from {{ ref('int_customer_orders_aggregated') }}

),

customer_messaging as (

    select * from {{ ref('int_customer_messaging_aggregated') }}

),

customer_web_activity as (

    select * from {{ ref('int_customer_web_activity_aggregated') }}

),

customer_consents as (

    select * from {{ ref('int_customer_consents_evaluated') }}

),

customer_locations as (

    select * from {{ ref('int_customers_geocoded') }}

),

customer_favourites as (

    select * from {{ ref('int_customer_favourites_picked') }}

),

list_memberships as {{ not_materialized() }} (

    select * from {{ ref('int_list_memberships_active') }}

),

list_counts as (

    select
        customer_id,
        count(*) as lists_count

    from list_memberships
    group by customer_id

),

list_name_lists as (

    {{ distinct_value_lists('list_memberships', 'customer_id', 'list_name', 'list_names') }}

),

joined as (

    select
        customers.customer_id,
        customers.email,
        customers.phone,
        customers.first_name,
        customers.last_name,
        customers.gender,
        customers.birth_date,
        {{ age_in_years('customers.birth_date', as_of_date()) }} as age,
        customers.city,
        customers.postal_code,
        customers.country_code,
        customers.latitude,
        customers.longitude,
        customers.tags,
        {{ json_to_text('customers.custom_attributes') }} as custom_attributes,
        customers.created_at,
        customers.updated_at,
        {{ is_present('customers.email') }} as has_email,
        {{ is_present('customers.phone') }} as has_phone,
        coalesce(customers.email_opt_in, false) as email_opt_in,
        coalesce(customers.sms_opt_in, false) as sms_opt_in,
        coalesce(customers.whatsapp_opt_in, false) as whatsapp_opt_in,
        coalesce(customer_consents.email_consent, false) as email_consent,
        coalesce(customer_consents.sms_consent, false) as sms_consent,
        coalesce(customer_consents.whatsapp_consent, false) as whatsapp_consent,
        coalesce(customer_locations.is_urban, false) as is_urban,
        customer_locations.distance_km,
        coalesce(customer_orders.orders_count, 0) as orders_count,
        customer_orders.first_order_at,
        customer_orders.last_order_at,
        coalesce(customer_orders.total_spent_eur, 0) as total_spent_eur,
        customer_orders.aov_eur,
        customer_orders.last_order_amount_ht_eur,
        coalesce(customer_orders.orders_90d, 0) as orders_90d,
        coalesce(customer_orders.orders_365d, 0) as orders_365d,
        coalesce(customer_orders.orders_6m, 0) as orders_6m,
        customer_orders.avg_days_between_orders,
        coalesce(customer_orders.discounted_orders_count, 0) as discounted_orders_count,
        customer_orders.promo_share,
        customer_favourites.favourite_product_type,
        customer_favourites.product_types,
        customer_favourites.favourite_collection,
        coalesce(customer_messaging.messages_count, 0) as messages_count,
        coalesce(customer_messaging.whatsapp_inbound_count, 0) as whatsapp_inbound_count,
        customer_messaging.last_inbound_at,
        coalesce(customer_messaging.has_unhandled_inbound, false) as has_unhandled_inbound,
        coalesce(customer_messaging.whatsapp_reads_90d, 0) as whatsapp_reads_90d,
        coalesce(customer_messaging.email_delivered_90d, 0) as email_delivered_90d,
        coalesce(customer_messaging.email_opened_90d, 0) as email_opened_90d,
        coalesce(customer_messaging.email_delivered_180d, 0) as email_delivered_180d,
        coalesce(customer_messaging.email_opened_180d, 0) as email_opened_180d,
        coalesce(customer_messaging.engaged_90d, false) as engaged_90d,
        customer_messaging.last_engaged_at,
        customer_web_activity.first_visit_at,
        customer_web_activity.last_visit_at,
        customer_web_activity.last_cart_at,
        coalesce(customer_web_activity.web_events_count, 0) as web_events_count,
        {{ greatest_ignoring_nulls([
            'customer_orders.last_order_at',
            'customer_web_activity.last_visit_at',
            'customer_messaging.last_inbound_at',
            'customer_messaging.last_engaged_at',
        ]) }} as last_activity_at,
        list_name_lists.list_names,
        coalesce(list_counts.lists_count, 0) as lists_count

    from customers
    left join customer_orders
        on customers.customer_id = customer_orders.customer_id
    left join customer_messaging
        on customers.customer_id = customer_messaging.customer_id
    left join customer_web_activity
        on customers.customer_id = customer_web_activity.customer_id
    left join customer_consents
        on customers.customer_id = customer_consents.customer_id
    left join customer_locations
        on customers.customer_id = customer_locations.customer_id
    left join customer_favourites
        on customers.customer_id = customer_favourites.customer_id
    left join list_counts
        on customers.customer_id = list_counts.customer_id
    left join list_name_lists
        on customers.customer_id = list_name_lists.customer_id

),

classified as (

    select
        *,
        case
            when orders_count = 0 then 'prospect'
            when first_order_at >= {{ window_start(var('lifecycle_new_days'), 'day') }} then 'new'
            when last_order_at < {{ window_start(var('lifecycle_lost_days'), 'day') }} then 'lost'
            when last_order_at < {{ window_start(var('lifecycle_at_risk_days'), 'day') }} then 'at_risk'
            when orders_count >= {{ var('lifecycle_loyal_min_orders') }} then 'loyal'
            else 'active'
        end as lifecycle_stage,
        case
            when {{ is_email_super_active() }} then 'super_active'
            when {{ is_email_moderate() }} then 'moderate'
            when {{ is_email_dormant() }} then 'dormant'
            else 'none'
        end as engagement_tier

    from joined

),

rfm_scores as (

    -- RFM quantiles among customers with at least one order (null for the others), ranked on narrow rows:
    -- a window over the whole wide customer row would sort every column three times
    select
        customer_id,
        ntile({{ var('rfm_score_buckets') }}) over (order by last_order_at, customer_id) as rfm_recency_score,
        ntile({{ var('rfm_score_buckets') }}) over (order by orders_count, customer_id) as rfm_frequency_score,
        ntile({{ var('rfm_score_buckets') }}) over (order by total_spent_eur, customer_id) as rfm_monetary_score

    from joined
    where orders_count > 0

),

scored as (

    select
        classified.*,
        rfm_scores.rfm_recency_score,
        rfm_scores.rfm_frequency_score,
        rfm_scores.rfm_monetary_score

    from classified
    left join rfm_scores
        on classified.customer_id = rfm_scores.customer_id

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(phone as {{ dbt.type_string() }}) as phone,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        cast(gender as {{ dbt.type_string() }}) as gender,
        cast(birth_date as date) as birth_date,
        cast(age as {{ dbt.type_int() }}) as age,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(postal_code as {{ dbt.type_string() }}) as postal_code,
        cast(country_code as {{ dbt.type_string() }}) as country_code,
        cast(latitude as {{ type_double() }}) as latitude,
        cast(longitude as {{ type_double() }}) as longitude,
        cast(tags as {{ dbt.type_string() }}) as tags,
        cast(custom_attributes as {{ dbt.type_string() }}) as custom_attributes,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(has_email as {{ dbt.type_boolean() }}) as has_email,
        cast(has_phone as {{ dbt.type_boolean() }}) as has_phone,
        cast(email_opt_in as {{ dbt.type_boolean() }}) as email_opt_in,
        cast(sms_opt_in as {{ dbt.type_boolean() }}) as sms_opt_in,
        cast(whatsapp_opt_in as {{ dbt.type_boolean() }}) as whatsapp_opt_in,
        cast(email_consent as {{ dbt.type_boolean() }}) as email_consent,
        cast(sms_consent as {{ dbt.type_boolean() }}) as sms_consent,
        cast(whatsapp_consent as {{ dbt.type_boolean() }}) as whatsapp_consent,
        cast(is_urban as {{ dbt.type_boolean() }}) as is_urban,
        cast(distance_km as {{ type_double() }}) as distance_km,
        cast(orders_count as {{ dbt.type_bigint() }}) as orders_count,
        cast(first_order_at as {{ dbt.type_timestamp() }}) as first_order_at,
        cast(last_order_at as {{ dbt.type_timestamp() }}) as last_order_at,
        cast(total_spent_eur as {{ type_decimal(38, 8) }}) as total_spent_eur,
        cast(aov_eur as {{ type_decimal(38, 8) }}) as aov_eur,
        cast(last_order_amount_ht_eur as {{ type_decimal(38, 8) }}) as last_order_amount_ht_eur,
        cast(orders_90d as {{ dbt.type_bigint() }}) as orders_90d,
        cast(orders_365d as {{ dbt.type_bigint() }}) as orders_365d,
        cast(orders_6m as {{ dbt.type_bigint() }}) as orders_6m,
        cast(avg_days_between_orders as {{ type_double() }}) as avg_days_between_orders,
        cast(discounted_orders_count as {{ dbt.type_bigint() }}) as discounted_orders_count,
        cast(promo_share as {{ type_double() }}) as promo_share,
        cast(favourite_product_type as {{ dbt.type_string() }}) as favourite_product_type,
        cast(product_types as {{ dbt.type_string() }}) as product_types,
        cast(favourite_collection as {{ dbt.type_string() }}) as favourite_collection,
        cast(rfm_recency_score as {{ dbt.type_int() }}) as rfm_recency_score,
        cast(rfm_frequency_score as {{ dbt.type_int() }}) as rfm_frequency_score,
        cast(rfm_monetary_score as {{ dbt.type_int() }}) as rfm_monetary_score,
        cast(messages_count as {{ dbt.type_bigint() }}) as messages_count,
        cast(whatsapp_inbound_count as {{ dbt.type_bigint() }}) as whatsapp_inbound_count,
        cast(last_inbound_at as {{ dbt.type_timestamp() }}) as last_inbound_at,
        cast(has_unhandled_inbound as {{ dbt.type_boolean() }}) as has_unhandled_inbound,
        cast(whatsapp_reads_90d as {{ dbt.type_bigint() }}) as whatsapp_reads_90d,
        cast(email_delivered_90d as {{ dbt.type_bigint() }}) as email_delivered_90d,
        cast(email_opened_90d as {{ dbt.type_bigint() }}) as email_opened_90d,
        cast(email_delivered_180d as {{ dbt.type_bigint() }}) as email_delivered_180d,
        cast(email_opened_180d as {{ dbt.type_bigint() }}) as email_opened_180d,
        cast(engaged_90d as {{ dbt.type_boolean() }}) as engaged_90d,
        cast(last_engaged_at as {{ dbt.type_timestamp() }}) as last_engaged_at,
        cast(first_visit_at as {{ dbt.type_timestamp() }}) as first_visit_at,
        cast(last_visit_at as {{ dbt.type_timestamp() }}) as last_visit_at,
        cast(last_cart_at as {{ dbt.type_timestamp() }}) as last_cart_at,
        cast(web_events_count as {{ dbt.type_bigint() }}) as web_events_count,
        cast(last_activity_at as {{ dbt.type_timestamp() }}) as last_activity_at,
        cast(list_names as {{ dbt.type_string() }}) as list_names,
        cast(lists_count as {{ dbt.type_bigint() }}) as lists_count,
        cast(lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(engagement_tier as {{ dbt.type_string() }}) as engagement_tier

    from scored

)

select * from final
