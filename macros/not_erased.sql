{#- Absolute erasure (DESIGN §5): a customer with a non-null deleted_at in ANY raw.customers version, whatever
    its date and even if a later version clears it, has asked for erasure and disappears everywhere.
    Renders a predicate that keeps rows whose `column` is null (unattributed) or names a non-erased customer. -#}
{% macro not_erased(column) -%}
    ({{ column }} is null or {{ column }} not in (
        select erased.customer_id
        from {{ source('raw', 'customers') }} as erased
        where erased.deleted_at is not null and erased.customer_id is not null
    ))
{%- endmacro %}
