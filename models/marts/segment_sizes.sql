{#- One row per (as_of_date, segment_name) of the membership history: members on that date, members who
    entered (members on that date who were not members on the previous as-of date) and who exited (members on
    the previous as-of date who are not members on that date).
    The previous as-of date is the latest earlier date present in the history (any segment): when a day was
    never run, the comparison spans the gap. On the first date of the history, or the first date of a segment,
    every member counts as entered. A segment has a row on every history date from its first one on, with 0
    members when it came out empty. Recomputed from the whole history on every run, so a back-filled date also
    corrects the entries and exits of the date after it. -#}
with

memberships as {{ not_materialized() }} (

    -- read six times: inlined where it is read (not_materialized), only the keys
    select
        as_of_date,
        segment_name,
        customer_id
    from {{ ref('segment_memberships') }}

),

history_dates as (

    select distinct as_of_date
    from memberships

),

history_dates_with_previous as (

    select
        as_of_date,
        lag(as_of_date) over (order by as_of_date) as previous_as_of_date
    from history_dates

),

segment_first_dates as (

    select
        segment_name,
        min(as_of_date) as first_as_of_date
    from memberships
    group by segment_name

),

segment_dates as (

    select
        history_dates_with_previous.as_of_date,
        history_dates_with_previous.previous_as_of_date,
        segment_first_dates.segment_name
    from history_dates_with_previous
    inner join segment_first_dates
        on history_dates_with_previous.as_of_date >= segment_first_dates.first_as_of_date

),

members_and_entries as (

    select
        segment_dates.as_of_date,
        segment_dates.segment_name,
        count(current_members.customer_id) as members,
        count(case when current_members.customer_id is not null and previous_members.customer_id is null then 1 end)
            as entered
    from segment_dates
    left join memberships as current_members
        on
            segment_dates.as_of_date = current_members.as_of_date
            and segment_dates.segment_name = current_members.segment_name
    left join memberships as previous_members
        on
            segment_dates.previous_as_of_date = previous_members.as_of_date
            and current_members.segment_name = previous_members.segment_name
            and current_members.customer_id = previous_members.customer_id
    group by segment_dates.as_of_date, segment_dates.segment_name

),

exits as (

    select
        segment_dates.as_of_date,
        segment_dates.segment_name,
        count(*) as exited
    from segment_dates
    inner join memberships as previous_members
        on
            segment_dates.previous_as_of_date = previous_members.as_of_date
            and segment_dates.segment_name = previous_members.segment_name
    left join memberships as current_members
        on
            segment_dates.as_of_date = current_members.as_of_date
            and previous_members.segment_name = current_members.segment_name
            and previous_members.customer_id = current_members.customer_id
    where current_members.customer_id is null
    group by segment_dates.as_of_date, segment_dates.segment_name

),

final as (

    select
        segment_dates.as_of_date,
        segment_dates.segment_name,
        segment_dates.previous_as_of_date,
        cast(members_and_entries.members as {{ dbt.type_bigint() }}) as members,
        cast(members_and_entries.entered as {{ dbt.type_bigint() }}) as entered,
        cast(coalesce(exits.exited, 0) as {{ dbt.type_bigint() }}) as exited
    from segment_dates
    inner join members_and_entries
        on
            segment_dates.as_of_date = members_and_entries.as_of_date
            and segment_dates.segment_name = members_and_entries.segment_name
    left join exits
        on
            segment_dates.as_of_date = exits.as_of_date
            and segment_dates.segment_name = exits.segment_name

)

select * from final
