{#- One row per distinct (message_id, event_type, occurred_at) that occurred before T: providers retry
    webhooks, so exact duplicates are collapsed here. Only the events of the messages the ingest recorded in
    raw.repeated_keys can be duplicated: those alone go through `distinct`, every other event passes straight
    through (one scan instead of a distinct over every event). The repeated keys are read by each branch, not
    from a shared CTE: DuckDB materializes a CTE read twice, which stops unused columns (the hashed key) from
    being pruned by the models that read this view. The SQL is the macro message_events_landed
    (macros/message_events_landed.sql): the incremental int_messages_enriched applies the same rules to the
    events of the messages it rebuilds. -#}
{{ message_events_landed() }}
