{#- The marker rows of incremental strategy replace_scope, to union (all) after a model's rows: one per scope
    value of `scopes` (a CTE or relation with column `scope_key`) that has no row in `built` (the CTE of the
    model's rows): the scope value in `scope_key`, null in every other column of `columns` (the model's
    columns, in order). A null scope value in `built` does not hide the markers (`not in` over a null). -#}
{% macro replace_scope_markers(scopes, built, scope_key, columns) -%}
    select
        {%- for column in columns %}
        {{ scopes ~ '.' ~ scope_key if column == scope_key else 'null' }} as {{ column }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ scopes }}
    where {{ scopes }}.{{ scope_key }} not in (
        select {{ built }}.{{ scope_key }} from {{ built }} where {{ built }}.{{ scope_key }} is not null
    )
{%- endmacro %}
