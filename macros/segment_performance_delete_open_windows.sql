{#- Pre-hook of the incremental marts.segment_performance: deletes every row from the first entry date whose long
    window (var segment_performance_long_days) is still open, either at this run's T (entry_date >= D - long
    days + 1) or when the row was computed (is_30d_window_complete false: a row computed before a gap in the
    runs, or by a back-fill). The model then recomputes every entry date after the last one kept, so what is
    kept is always a prefix of entry dates whose orders were all known when they were computed. -#}
{% macro segment_performance_delete_open_windows(relation) -%}
    {%- set first_open_at_t -%}
        cast({{ dbt.dateadd('day', 1 - var('segment_performance_long_days'), as_of_date()) }} as date)
    {%- endset %}
    delete from {{ relation }}
    where entry_date >= (
        select
            coalesce(
                least({{ first_open_at_t }}, min(case when not is_30d_window_complete then entry_date end)),
                {{ first_open_at_t }}
            )
        from {{ relation }}
    )
{%- endmacro %}
