-- churn_risk (X): 2+ valid orders, the last in the last 365 days, and a silence since then longer than 1.5 times their usual gap between orders.
with

customers as (

    select * from {{ ref('customers') }}

),

final as (

    select
        customer_id,
        avg_days_between_orders
    from customers
    where
        orders_count >= {{ var('churn_risk_min_orders') }}
        and last_order_at >= {{ window_start(var('churn_risk_window_days'), 'day') }}
        and {{ fractional_days_between('last_order_at', as_of_instant()) }}
            > {{ var('churn_risk_gap_factor') }} * avg_days_between_orders

)

select * from final
