{#- Fails on every row where `expression` (a SQL boolean over the model's columns) is not true: false or null.
    Used at model level (arguments: expression) or on a column (the expression then follows the column,
    e.g. expression: '>= 0'). The dbt_utils test of the same name, without the package. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    {%- set predicate = (column_name ~ ' ' ~ expression) if column_name is not none else expression -%}
    select *
    from {{ model }}
    where not coalesce({{ predicate }}, false)
{% endtest %}
