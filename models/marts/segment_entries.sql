{#- One row per member entering a segment: (segment_name, entry_date, customer_id) when the member is a member on
    that as-of date and was not on the previous as-of date of the history (segment_sizes.previous_as_of_date;
    every member of a segment's first date enters). The entries segment_sizes.entered counts, and those
    segment_performance follows for 30 days, listed: who entered a segment on a day.
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

history_dates_with_previous as (

    -- the as-of dates recomputed, each with the one before it (segment_sizes has a row on every history date)
    select distinct
        as_of_date,
        previous_as_of_date
    from {{ ref('segment_sizes') }}
    {%- if is_incremental() %}
    where as_of_date >= {{ as_of_date() }}
    {%- endif %}

),

memberships as (

    select
        as_of_date,
        segment_name,
        customer_id,
        member_type
    from {{ ref('segment_memberships') }}
    {%- if is_incremental() %}
    -- the dates recomputed and the one before the first of them (the scan skips the older row groups)
    where as_of_date >= (
        select coalesce(min(previous_as_of_date), min(as_of_date)) from history_dates_with_previous
    )
    {%- endif %}

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
    inner join history_dates_with_previous
        on member_dates.as_of_date = history_dates_with_previous.as_of_date
    where coalesce(member_dates.previous_member_date <> history_dates_with_previous.previous_as_of_date, true)

)

select * from final
