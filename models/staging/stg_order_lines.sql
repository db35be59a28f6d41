{#- One row per order line (order_id, line_id). Lines carry no timestamp: they count through their order
    (stg_orders applies T and erasure). A line landed several times keeps its last-loaded version; loaded_at
    says when that version landed. The SQL is the macro order_lines_landed (macros/order_lines_landed.sql): the
    incremental int_order_lines_enriched applies the same rules to the lines of the orders it rebuilds. -#}
{{ order_lines_landed() }}
