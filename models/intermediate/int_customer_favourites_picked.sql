{{ incremental_by_customer(scope_row_key='computed_as_of') }}
{#- One row per customer who bought a product type or a collection in a valid order before T: the favourite
    product type and collection (most orders, then most units, then most EUR, then alphabetical) and the
    sorted list of every product type bought. What marts.customers reports as favourite_product_type,
    product_types and favourite_collection, picked here once per customer instead of ranking 6 M purchase rows
    in every build of the mart.

    Incremental by customer, after int_customer_product_types_aggregated and
    int_customer_collections_aggregated: a later run recomputes the customers either rebuilt since this
    table's build (macro rows_rebuilt_upstream) and gives a marker row (null computed_as_of: a real row always
    has one) to the customers left with neither (customers_gone_upstream), which removes their row (strategy
    replace_scope). Pre-hook delete_stale_rows (erasure, backfill) and post-hook checkpoint_database as the
    order chain. -#}
with

{% if is_incremental() %}

customers_to_rebuild as (

    select rebuilt_types.customer_id
    from ({{ rows_rebuilt_upstream(ref('int_customer_product_types_aggregated'), this) }}) as rebuilt_types

    union

    select rebuilt_collections.customer_id
    from ({{ rows_rebuilt_upstream(ref('int_customer_collections_aggregated'), this) }}) as rebuilt_collections

    union

    {{ customers_gone_upstream(
        [ref('int_customer_product_types_aggregated'), ref('int_customer_collections_aggregated')], this
    ) }}

),

customer_product_types as {{ not_materialized() }} (

    select * from {{ ref('int_customer_product_types_aggregated') }}
    where customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)

),

customer_collections as (

    select * from {{ ref('int_customer_collections_aggregated') }}
    where customer_id in (select customers_to_rebuild.customer_id from customers_to_rebuild)

),

{% else %}

customer_product_types as {{ not_materialized() }} (

    select * from {{ ref('int_customer_product_types_aggregated') }}

),

customer_collections as (

    select * from {{ ref('int_customer_collections_aggregated') }}

),

{% endif %}

buyers as (

    select
        customer_id,
        max(last_loaded_at) as last_loaded_at

    from (
        select customer_id, last_loaded_at from customer_product_types
        union all
        select customer_id, last_loaded_at from customer_collections
    ) as purchases
    group by customer_id

),

favourite_product_types as (

    select
        customer_id,
        product_type as favourite_product_type,
        row_number() over (
            partition by customer_id
            order by orders_count desc, units desc, amount_eur desc, product_type
        ) as preference_rank

    from customer_product_types

),

product_type_lists as (

    {{ distinct_value_lists('customer_product_types', 'customer_id', 'product_type', 'product_types') }}

),

favourite_collections as (

    select
        customer_id,
        collection as favourite_collection,
        row_number() over (
            partition by customer_id
            order by orders_count desc, units desc, amount_eur desc, collection
        ) as preference_rank

    from customer_collections

),

final as (

    select
        buyers.customer_id,
        favourite_product_types.favourite_product_type,
        product_type_lists.product_types,
        favourite_collections.favourite_collection,
        {{ as_of_instant() }} as computed_as_of,
        buyers.last_loaded_at

    from buyers
    left join favourite_product_types
        on
            buyers.customer_id = favourite_product_types.customer_id
            and favourite_product_types.preference_rank = 1
    left join product_type_lists
        on buyers.customer_id = product_type_lists.customer_id
    left join favourite_collections
        on
            buyers.customer_id = favourite_collections.customer_id
            and favourite_collections.preference_rank = 1

)

select * from final

{%- if is_incremental() %}

union all

-- a rebuilt customer left without a product type or collection: a marker row (null computed_as_of) that
-- deletes its row
{{ replace_scope_markers('customers_to_rebuild', 'final', 'customer_id', [
    'customer_id', 'favourite_product_type', 'product_types', 'favourite_collection', 'computed_as_of',
    'last_loaded_at'
]) }}

{%- endif %}
