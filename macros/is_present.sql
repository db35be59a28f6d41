{#- True when a text value is present: non-null and not blank (DESIGN §6 consent rules). Never null. -#}
{% macro is_present(column) -%}
    (coalesce(trim({{ column }}), '') <> '')
{%- endmacro %}
