{#- One row per order existing at T: its latest version with updated_at < T, kept when created_at < T;
    orders of erased customers excluded. A cancellation at or after T has not happened yet: cancelled_at is
    NULLed. Money stays exact decimal: amounts decimal(18,2), rate decimal(12,6), EUR amounts decimal(30,8)
    (the exact product, never rounded). The SQL is the macro orders_as_of (macros/orders_as_of.sql): the
    incremental order chain applies the same rules to the few orders it rebuilds. -#}
{{ orders_as_of() }}
