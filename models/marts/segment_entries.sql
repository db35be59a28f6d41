{#- One row per member entering a segment: (segment_name, entry_date, customer_id) when the member is a member on
    that as-of date and was not on the previous as-of date of the history (the latest earlier date present in
    segment_memberships, any segment; every member of a segment's first date enters). Who entered a segment on a
    day: segment_sizes counts these entries and segment_performance follows them for 30 days, so the entry rule
    lives here only.
    One pass over the memberships (each member's previous membership date, lag), no self-join of the history.
    Incremental: a run as of D recomputes the entry dates D and later (the pre-hook deletes them first; a
    back-filled date changes the entries of the date after it) from the memberships of the date before D on,
    and keeps the earlier ones, which D cannot change. `--full-refresh` recomputes the whole history. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where entry_date >= {{ as_of_date() }}{% endif %}",
    )
}}

with

memberships as {{ not_materialized() }} (

    -- read twice (the dates, the members): inlined where it is read, as DuckDB cannot spill a materialized CTE
    -- (a --full-refresh reads the whole history)
    select
        as_of_date,
        segment_name,
        customer_id,
        member_type
    from {{ ref('segment_memberships') }}
    {%- if is_incremental() %}
    -- the dates recomputed and the history date before them, the one D compares with (both scans skip the older
    -- row groups)
    where as_of_date >= coalesce(
        (
            select max(as_of_date)
            from {{ ref('segment_memberships') }}
            where as_of_date < {{ as_of_date() }}
        ),
        {{ as_of_date() }}
    )
    {%- endif %}

),

history_dates as (

    -- every as-of date read, with the one before it (null on the first date read)
    {{ history_dates_with_previous('memberships') }}

),

member_dates as (

    -- each membership with the member's previous membership date in the segment
    select
        as_of_date,
        segment_name,
        customer_id,
        member_type,
        lag(as_of_date) over (partition by segment_name, customer_id order by as_of_date) as previous_member_date
    from memberships

),

final as (

    -- members who were not members on the previous history date (every member of the first date enters)
    select
        member_dates.segment_name,
        member_dates.as_of_date as entry_date,
        member_dates.customer_id,
        member_dates.member_type
    from member_dates
    inner join history_dates
        on member_dates.as_of_date = history_dates.as_of_date
    where
        coalesce(member_dates.previous_member_date <> history_dates.previous_as_of_date, true)
        {%- if is_incremental() %}
        -- the date before D was read for comparison only: its entries are kept from earlier runs
        and member_dates.as_of_date >= {{ as_of_date() }}
        {%- endif %}

)

select * from final
