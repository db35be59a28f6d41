{#- E-mail dormant tier (SEGMENTS.md): email_delivered_180d >= 3, email_opened_180d = 0, and neither super-active
    nor moderate (the three tiers are mutually exclusive). -#}
{% macro is_email_dormant() -%}
    (email_delivered_180d >= {{ var('email_dormant_min_delivered') }}
        and email_opened_180d = 0
        and not {{ is_email_super_active() }}
        and not {{ is_email_moderate() }})
{%- endmacro %}
