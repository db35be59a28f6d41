{#- E-mail moderate tier (SEGMENTS.md): email_opened_90d >= 1 and not super-active. -#}
{% macro is_email_moderate() -%}
    (email_opened_90d >= {{ var('email_moderate_min_opened') }} and not {{ is_email_super_active() }})
{%- endmacro %}
