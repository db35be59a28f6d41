{#- One row per list subscription (list_id, customer_id, subscribed_at) that started before T; erased
    customers excluded. An unsubscription at or after T has not happened yet: unsubscribed_at is NULLed.
    A customer who left and re-joined has one row per subscription. When the same subscription landed
    several times, a known unsubscription before T wins, then the last-loaded row. -#}
with

list_memberships as (

    select * from {{ source('raw', 'list_memberships') }}

),

subscriptions_before_t as (

    select
        list_id,
        list_name,
        customer_id,
        subscribed_at,
        case when unsubscribed_at < {{ as_of_instant() }} then unsubscribed_at end as unsubscribed_at,
        _loaded_at,
        _source_file,
        _source_row

    from list_memberships
    where
        subscribed_at < {{ as_of_instant() }}
        and {{ not_erased('customer_id') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by list_id, customer_id, subscribed_at
            order by
                case when unsubscribed_at is null then 1 else 0 end,
                unsubscribed_at,
                _loaded_at desc,
                _source_file desc,
                _source_row desc
        ) as version_rank

    from subscriptions_before_t

),

final as (

    select
        {{ hash_key(['list_id', 'customer_id', 'subscribed_at']) }} as membership_key,
        cast(list_id as {{ dbt.type_string() }}) as list_id,
        cast(list_name as {{ dbt.type_string() }}) as list_name,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(subscribed_at as {{ dbt.type_timestamp() }}) as subscribed_at,
        cast(unsubscribed_at as {{ dbt.type_timestamp() }}) as unsubscribed_at

    from ranked
    where version_rank = 1

)

select * from final
