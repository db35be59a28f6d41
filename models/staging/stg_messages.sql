{#- One row per message sent before T. Messages of erased customers are excluded; unattributed ones
    (null customer_id) are kept. A message_id landed several times keeps its last-loaded version. -#}
with

messages as (

    select * from {{ source('raw', 'messages') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by message_id
            order by _loaded_at desc, _source_file desc, _source_row desc
        ) as load_rank

    from messages
    where sent_at < {{ as_of_instant() }}

),

final as (

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(sent_at as {{ dbt.type_timestamp() }}) as sent_at

    from ranked
    where
        load_rank = 1
        and {{ not_erased('customer_id') }}

)

select * from final
