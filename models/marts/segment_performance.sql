{#- One row per (segment_name, entry_date): the members who entered the segment on that as-of date (members then,
    not members on the previous as-of date of the history — the same entries as segment_sizes.entered), how many
    of them placed a valid order within `segment_performance_short_days` (7) and `segment_performance_long_days`
    (30) days after entering, and the net revenue in EUR of those orders. "After entering" starts at the as-of
    instant of the entry date (entry_date + 1 day, 00:00 UTC): an order counts when
    T_entry <= created_at < T_entry + N days.
    Orders are marts.orders of the run that computed the row (valid orders before its T, computed_as_of_date),
    so a window that ends after that T is not complete yet: is_<N>d_window_complete says so.
    An anonymous visitor's orders are those of the customer who owns its anonymous_id at T (stitching), if any.
    The entries are those of marts.segment_entries: the memberships are not read here.
    Incremental: the pre-hook (macro segment_performance_delete_open_windows) deletes every entry date from the
    first one whose long window is still open, at this run's T or at the run that computed it, and the model
    recomputes every entry date after the last one kept. A row is so kept once its windows had ended when it
    was computed: its orders were all known then (a later cancellation of one of them is not reflected). The
    daily run reads the last long window of entries and orders, not the whole history; a back-filled date
    recomputes every later entry date. `--full-refresh` recomputes every row as of the run's T. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}{{ segment_performance_delete_open_windows(this) }}{% endif %}",
    )
}}

with

entries_recomputed as (

    -- the entry dates after the last one the pre-hook kept (all of them on a first run or --full-refresh)
    select
        segment_name,
        entry_date,
        customer_id,
        member_type
    from {{ ref('segment_entries') }}
    {%- if is_incremental() %}
    where entry_date > coalesce((select max(entry_date) from {{ this }}), cast('0001-01-01' as date))
    {%- endif %}

),

orders as (

    select * from {{ ref('orders') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

entries as (

    select
        entries_recomputed.segment_name,
        entries_recomputed.entry_date,
        entries_recomputed.customer_id as member_id,
        case
            when entries_recomputed.member_type = 'anonymous_visitor' then identities.customer_id
            else entries_recomputed.customer_id
        end as buyer_customer_id,
        cast({{ dbt.dateadd('day', 1, 'entries_recomputed.entry_date') }} as {{ dbt.type_timestamp() }}) as entered_at
    from entries_recomputed
    -- equality only: a constant condition in this on clause turns DuckDB's hash join into a nested loop
    -- (minutes at 100 000 customers); anonymous_id is unique in identities, so customers' rows never fan out
    left join identities
        on entries_recomputed.customer_id = identities.anonymous_id

),

entry_windows as (

    select
        segment_name,
        entry_date,
        member_id,
        buyer_customer_id,
        entered_at,
        {{ dbt.dateadd('day', var('segment_performance_short_days'), 'entered_at') }} as short_window_end,
        {{ dbt.dateadd('day', var('segment_performance_long_days'), 'entered_at') }} as long_window_end
    from entries

),

entry_counts as (

    select
        segment_name,
        entry_date,
        count(*) as entered
    from entry_windows
    group by segment_name, entry_date

),

orders_after_first_entry as (

    -- only orders placed after the earliest entry can fall in a window: on a history of one as-of date, none
    select orders.*
    from orders
    where orders.created_at >= (select min(entered_at) from entry_windows)

),

entry_orders as (

    -- entries with at least one order in their long window (the others only count as entered): grouping just
    -- these keeps the aggregate small, whatever the number of members
    select
        entry_windows.segment_name,
        entry_windows.entry_date,
        entry_windows.member_id,
        count(case when orders.created_at < entry_windows.short_window_end then orders.order_id end)
            as orders_short,
        sum(case when orders.created_at < entry_windows.short_window_end then orders.net_amount_eur end)
            as revenue_short_eur,
        sum(orders.net_amount_eur) as revenue_long_eur
    from entry_windows
    inner join orders_after_first_entry as orders
        on
            entry_windows.buyer_customer_id = orders.customer_id
            and orders.created_at >= entry_windows.entered_at
            and orders.created_at < entry_windows.long_window_end
    group by entry_windows.segment_name, entry_windows.entry_date, entry_windows.member_id

),

orders_per_entry_date as (

    select
        segment_name,
        entry_date,
        count(case when orders_short > 0 then 1 end) as ordered_7d,
        count(*) as ordered_30d,
        sum(revenue_short_eur) as revenue_7d_eur,
        sum(revenue_long_eur) as revenue_30d_eur
    from entry_orders
    group by segment_name, entry_date

),

per_entry_date as (

    select
        entry_counts.segment_name,
        entry_counts.entry_date,
        entry_counts.entered,
        coalesce(orders_per_entry_date.ordered_7d, 0) as ordered_7d,
        coalesce(orders_per_entry_date.ordered_30d, 0) as ordered_30d,
        coalesce(orders_per_entry_date.revenue_7d_eur, 0) as revenue_7d_eur,
        coalesce(orders_per_entry_date.revenue_30d_eur, 0) as revenue_30d_eur
    from entry_counts
    left join orders_per_entry_date
        on
            entry_counts.segment_name = orders_per_entry_date.segment_name
            and entry_counts.entry_date = orders_per_entry_date.entry_date

),

final as (

    select
        segment_name,
        entry_date,
        cast(entered as {{ dbt.type_bigint() }}) as entered,
        cast(ordered_7d as {{ dbt.type_bigint() }}) as ordered_7d,
        cast(ordered_30d as {{ dbt.type_bigint() }}) as ordered_30d,
        cast(revenue_7d_eur as {{ type_decimal(38, 8) }}) as revenue_7d_eur,
        cast(revenue_30d_eur as {{ type_decimal(38, 8) }}) as revenue_30d_eur,
        {{ dbt.dateadd('day', var('segment_performance_short_days') + 1, 'entry_date') }}
            <= {{ as_of_instant() }} as is_7d_window_complete,
        {{ dbt.dateadd('day', var('segment_performance_long_days') + 1, 'entry_date') }}
            <= {{ as_of_instant() }} as is_30d_window_complete,
        {{ as_of_date() }} as computed_as_of_date
    from per_entry_date

)

select * from final
