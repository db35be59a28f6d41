{#- One row per campaign known at T: campaigns launched at or after T are excluded, campaigns without a
    launch date (drafts) are kept. A campaign_id landed several times keeps its last-loaded version. -#}
with

campaigns as (

    select * from {{ source('raw', 'campaigns') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by campaign_id
            order by _loaded_at desc, _source_file desc, _source_row desc
        ) as load_rank

    from campaigns
    where launched_at is null or launched_at < {{ as_of_instant() }}

),

final as (

    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(name as {{ dbt.type_string() }}) as name,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(kind as {{ dbt.type_string() }}) as kind,
        cast(launched_at as {{ dbt.type_timestamp() }}) as launched_at

    from ranked
    where load_rank = 1

)

select * from final
