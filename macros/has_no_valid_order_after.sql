{#- "No valid order created after <ts>" ("after" is strict, DESIGN §6): true when the customer's latest valid
    order is at or before `ts`, or when there is none. -#}
{% macro has_no_valid_order_after(ts, last_order_column='last_order_at') -%}
    ({{ last_order_column }} is null or {{ last_order_column }} <= {{ ts }})
{%- endmacro %}
