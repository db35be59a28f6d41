{#- The customers with a row of `relation` (an order-chain table keeping currency and rate_to_eur) whose rate
    is no longer the fx_rates seed's for its currency: a changed seed re-prices their EUR amounts. Renders a
    select of distinct customer_id. -#}
{% macro repriced_customers(relation) -%}
    select distinct built.customer_id
    from {{ relation }} as built
    left join {{ ref('fx_rates') }} as fx_rates
        on built.currency = fx_rates.currency
    where built.rate_to_eur is distinct from cast(fx_rates.rate_to_eur as {{ type_decimal(12, 6) }})
{%- endmacro %}
