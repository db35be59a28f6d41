{#- One row per message sent before T. Messages of erased customers are excluded; unattributed ones
    (null customer_id) are kept. A message_id landed several times keeps its last-loaded version. The SQL is
    the macro messages_landed (macros/messages_landed.sql): the incremental int_messages_enriched applies the
    same rules to the messages it rebuilds. -#}
{{ messages_landed() }}
