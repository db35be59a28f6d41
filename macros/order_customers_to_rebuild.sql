{#- The customers whose orders can have changed since an incremental order-chain model was built as of
    T_prev = as_of_instant with loads through loaded_through (the columns of `previous_build`, a relation or
    CTE of one row): every customer that ANY version of such an order names, because a new version can move an
    order to another customer and an order's rank depends on all of its customer's orders. An order can have
    changed when one of its versions
    - was recorded (updated_at), or says the order was created or cancelled, in [T_prev, T): it becomes the
      version valid at T, the order starts to exist, or its cancellation happens;
    - landed after that build (loaded_at > loaded_through): a late or corrected version, whatever its dates.
    Everything else about an order was known to that build. Renders a select of distinct customer_id; every
    customer with an order when previous_build is empty (as_of_instant null). -#}
{% macro order_customers_to_rebuild(previous_build='previous_build') -%}
    select distinct versions_of_changed.customer_id
    from {{ ref('stg_order_versions') }} as versions_of_changed
    where versions_of_changed.order_id in (
        select changed.order_id
        from {{ ref('stg_order_versions') }} as changed
        cross join {{ previous_build }}
        where
            {{ previous_build }}.as_of_instant is null
            or changed.loaded_at > {{ previous_build }}.loaded_through
            {%- for column in ['updated_at', 'created_at', 'cancelled_at'] %}
            or (
                changed.{{ column }} >= {{ previous_build }}.as_of_instant
                and changed.{{ column }} < {{ as_of_instant() }}
            )
            {%- endfor %}
    )
{%- endmacro %}
