{#- History of segment membership (DESIGN §3): one row per (as_of_date, segment_name, member) for every as-of
    date ever run. Each run replaces the rows of its own as-of date D (delete+insert on as_of_date, plus a pre-hook
    that empties D first, so a date whose segments all came out empty is replaced too) and leaves the other dates
    alone: re-running a date is idempotent, running an earlier date back-fills it. full_refresh is disabled so
    that `dbt build --full-refresh` never wipes the history (drop the table by hand to start over).
    The members come from every model tagged `segment` in the dbt graph (macro union_segment_memberships). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        full_refresh=false,
        pre_hook="{% if is_incremental() %}delete from {{ this }} where as_of_date = {{ as_of_date() }}{% endif %}",
    )
}}

-- Every segment model must be listed here, so that dbt builds it before this model (dbt reads dependencies
-- when it parses, before the graph exists). The run fails with the missing lines if one is not;
-- `python -m segment_warehouse.segment_dependencies` rewrites this block from models/segments/.
-- segment dependencies: begin
-- depends_on: {{ ref('seg_anonymous_visitors') }}
-- depends_on: {{ ref('seg_big_spenders_no_visit') }}
-- depends_on: {{ ref('seg_birthday_this_month') }}
-- depends_on: {{ ref('seg_campaign_engaged_no_purchase') }}
-- depends_on: {{ ref('seg_cart_recovery') }}
-- depends_on: {{ ref('seg_churn_risk') }}
-- depends_on: {{ ref('seg_country') }}
-- depends_on: {{ ref('seg_email_dormant') }}
-- depends_on: {{ ref('seg_email_moderate') }}
-- depends_on: {{ ref('seg_email_super_active') }}
-- depends_on: {{ ref('seg_face_care_no_serum') }}
-- depends_on: {{ ref('seg_first_order') }}
-- depends_on: {{ ref('seg_heroes') }}
-- depends_on: {{ ref('seg_high_aov') }}
-- depends_on: {{ ref('seg_high_value') }}
-- depends_on: {{ ref('seg_leads') }}
-- depends_on: {{ ref('seg_lifecycle_active') }}
-- depends_on: {{ ref('seg_lifecycle_at_risk') }}
-- depends_on: {{ ref('seg_lifecycle_lost') }}
-- depends_on: {{ ref('seg_lifecycle_loyal') }}
-- depends_on: {{ ref('seg_lifecycle_new') }}
-- depends_on: {{ ref('seg_lifecycle_prospect') }}
-- depends_on: {{ ref('seg_lost') }}
-- depends_on: {{ ref('seg_nearby') }}
-- depends_on: {{ ref('seg_newsletter_subscribers') }}
-- depends_on: {{ ref('seg_occasional') }}
-- depends_on: {{ ref('seg_prospects_families') }}
-- depends_on: {{ ref('seg_prospects_seniors') }}
-- depends_on: {{ ref('seg_prospects_young_urban') }}
-- depends_on: {{ ref('seg_reactivation') }}
-- depends_on: {{ ref('seg_repeat') }}
-- depends_on: {{ ref('seg_vip') }}
-- depends_on: {{ ref('seg_waiting') }}
-- depends_on: {{ ref('seg_whatsapp_prospects') }}
-- depends_on: {{ ref('seg_winback') }}
-- segment dependencies: end

with

memberships as (

    {{ union_segment_memberships() }}

),

final as (

    select * from memberships

)

select * from final
