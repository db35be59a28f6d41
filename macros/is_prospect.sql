{#- A prospect (SEGMENTS.md, demographic prospects): no valid order and no add_to_cart/begin_checkout web
    event ever before T (stitched), i.e. orders_count = 0 and last_cart_at null in marts.customers. -#}
{% macro is_prospect() -%}
    (orders_count = 0 and last_cart_at is null)
{%- endmacro %}
