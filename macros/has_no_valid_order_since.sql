{#- "No valid order in the last N ...": true when the customer's latest valid order (marts.customers.last_order_at,
    always before T) is older than `start`, or when there is none. An order exactly at `start` is inside the
    window (DESIGN §4: ts >= T - N), so it disqualifies. -#}
{% macro has_no_valid_order_since(start, last_order_column='last_order_at') -%}
    ({{ last_order_column }} is null or {{ last_order_column }} < {{ start }})
{%- endmacro %}
