{#- E-mail super-active tier (SEGMENTS.md): email_delivered_90d >= 3 and email_opened_90d / email_delivered_90d
    >= 0.5. Written as opened >= rate * delivered (delivered is positive) so the comparison stays exact and
    never divides integers (PostgreSQL would truncate). -#}
{% macro is_email_super_active() -%}
    (email_delivered_90d >= {{ var('email_super_active_min_delivered') }}
        and email_opened_90d >= {{ var('email_super_active_min_open_rate') }} * email_delivered_90d)
{%- endmacro %}
