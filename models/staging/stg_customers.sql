{#- One row per customer existing at T: its latest version with updated_at < T, kept when that version's
    created_at < T; erased customers (deleted_at in any version) excluded (DESIGN §5, §6). -#}
{%- set landed_columns = [
    'customer_id', 'email', 'phone', 'first_name', 'last_name', 'gender', 'birth_date', 'city',
    'postal_code', 'country_code', 'latitude', 'longitude', 'email_opt_in', 'sms_opt_in', 'whatsapp_opt_in',
    'tags', 'custom_attributes', 'created_at', 'updated_at'
] -%}
with

latest_versions as (

    {{ latest_versions_as_of('customers', 'customer_id', landed_columns) }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(phone as {{ dbt.type_string() }}) as phone,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        cast(gender as {{ dbt.type_string() }}) as gender,
        cast(birth_date as date) as birth_date,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(postal_code as {{ dbt.type_string() }}) as postal_code,
        cast(country_code as {{ dbt.type_string() }}) as country_code,
        cast(latitude as {{ type_double() }}) as latitude,
        cast(longitude as {{ type_double() }}) as longitude,
        cast(coalesce(email_opt_in, false) as {{ dbt.type_boolean() }}) as email_opt_in,
        cast(coalesce(sms_opt_in, false) as {{ dbt.type_boolean() }}) as sms_opt_in,
        cast(coalesce(whatsapp_opt_in, false) as {{ dbt.type_boolean() }}) as whatsapp_opt_in,
        cast(tags as {{ dbt.type_string() }}) as tags,
        cast(custom_attributes as {{ type_json() }}) as custom_attributes,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at

    from latest_versions

)

select * from final
