{#- dbt's get_where_subquery (how a data test's `where` config filters the model it tests), with one addition:
    the placeholder __as_of_date__ in `where` becomes the run's as-of date D (macro as_of_date). dbt renders a
    test's YAML config when it parses, before D is known (the daily run passes it through the environment at
    execution), so a history table's tests write e.g. `where: "as_of_date >= __as_of_date__"` to read the rows
    a run wrote, not the whole history. Without the placeholder, dbt's own behaviour. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__as_of_date__' in where -%}
        {%- set where = where | replace('__as_of_date__', as_of_date()) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
