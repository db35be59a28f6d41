{#- One row per (as_of_date, segment_name) of the membership history: members on that date, members who
    entered (members on that date who were not members on the previous as-of date) and who exited (members on
    the previous as-of date who are not members on that date).
    The previous as-of date is the latest earlier date present in the history (any segment): when a day was
    never run, the comparison spans the gap. On the first date of the history, or the first date of a segment,
    every member counts as entered. A segment has a row on every history date from its first one on, with 0
    members when it came out empty.
    Counts only, no pass over each member's dates: `entered` counts the rows of segment_entries (the entry rule
    lives there), and the members of the previous date who stayed are the members who did not enter, so
    exited = members on the previous date - (members - entered).
    Incremental: a run as of D recomputes the dates D and later (the pre-hook deletes them first, so a date
    that left the history leaves this table too) and keeps the earlier ones, which D cannot change: it counts
    the memberships of D and later, and takes the members of the date before D from its own kept row. A
    back-filled date recomputes every later date, as the entries and exits of the date after it change.
    `--full-refresh` recomputes the whole history. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where as_of_date >= {{ as_of_date() }}{% endif %}",
    )
}}

with

{%- if is_incremental() %}

kept_sizes as (

    -- the dates before D, computed by earlier runs: every history date before D has rows here
    select
        as_of_date,
        segment_name,
        members
    from {{ this }}
    where as_of_date < {{ as_of_date() }}

),
{%- endif %}

member_counts as (

    select
        as_of_date,
        segment_name,
        count(*) as members
    from {{ ref('segment_memberships') }}
    {%- if is_incremental() %}
    -- the dates recomputed (the scan skips the older row groups)
    where as_of_date >= {{ as_of_date() }}
    {%- endif %}
    group by as_of_date, segment_name

),

entry_counts as (

    select
        entry_date as as_of_date,
        segment_name,
        count(*) as entered
    from {{ ref('segment_entries') }}
    {%- if is_incremental() %}
    where entry_date >= {{ as_of_date() }}
    {%- endif %}
    group by entry_date, segment_name

),

segment_dates_seen as (

    select
        as_of_date,
        segment_name,
        members
    from member_counts
    {%- if is_incremental() %}
    union all
    select
        as_of_date,
        segment_name,
        members
    from kept_sizes
    {%- endif %}

),

history_dates as (

    {{ history_dates_with_previous('segment_dates_seen') }}

),

segment_first_dates as (

    select
        segment_name,
        min(as_of_date) as first_as_of_date
    from segment_dates_seen
    group by segment_name

),

segment_members as (

    -- every segment on every history date from its first one on, 0 members when it came out empty
    select
        history_dates.as_of_date,
        history_dates.previous_as_of_date,
        segment_first_dates.segment_name,
        coalesce(segment_dates_seen.members, 0) as members
    from history_dates
    inner join segment_first_dates
        on history_dates.as_of_date >= segment_first_dates.first_as_of_date
    left join segment_dates_seen
        on
            history_dates.as_of_date = segment_dates_seen.as_of_date
            and segment_first_dates.segment_name = segment_dates_seen.segment_name

),

sizes as (

    select
        segment_members.as_of_date,
        segment_members.segment_name,
        segment_members.previous_as_of_date,
        segment_members.members,
        coalesce(entry_counts.entered, 0) as entered,
        -- the segment's previous row is the previous history date (a row on every date): 0 before its first
        coalesce(
            lag(segment_members.members) over (
                partition by segment_members.segment_name order by segment_members.as_of_date
            ),
            0
        ) as previous_members
    from segment_members
    left join entry_counts
        on
            segment_members.as_of_date = entry_counts.as_of_date
            and segment_members.segment_name = entry_counts.segment_name

),

final as (

    select
        as_of_date,
        segment_name,
        previous_as_of_date,
        cast(members as {{ dbt.type_bigint() }}) as members,
        cast(entered as {{ dbt.type_bigint() }}) as entered,
        -- the previous date's members who stayed are today's members who did not enter
        cast(previous_members - (members - entered) as {{ dbt.type_bigint() }}) as exited
    from sizes
    {%- if is_incremental() %}
    where as_of_date >= {{ as_of_date() }}
    {%- endif %}

)

select * from final
