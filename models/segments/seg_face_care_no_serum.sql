-- face_care_no_serum (W): active members at T of the face-care interest list who bought no serum
-- (a valid order containing a product of that type) in the last 30 days.
with

customers as (

    select * from {{ ref('customers') }}

),

active_list_memberships as (

    select * from {{ ref('int_list_memberships_active') }}

),

order_product_types as (

    select * from {{ ref('int_order_product_types_listed') }}

),

face_care_list_members as (

    select distinct customer_id
    from active_list_memberships
    where list_name = '{{ var("face_care_list_name") }}'

),

recent_serum_buyers as (

    select distinct customer_id
    from order_product_types
    where
        product_type = '{{ var("face_care_product_type") }}'
        and created_at >= {{ window_start(var('face_care_quiet_days'), 'day') }}

),

final as (

    select customers.customer_id
    from customers
    inner join face_care_list_members
        on customers.customer_id = face_care_list_members.customer_id
    where not exists (
        select 1
        from recent_serum_buyers
        where recent_serum_buyers.customer_id = customers.customer_id
    )

)

select * from final
