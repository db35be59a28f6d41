{#- The segment models of this project, read from the dbt graph: enabled models of this package tagged `segment`
    (the models/segments folder config tags every model in it), sorted by name. Empty while dbt parses (the
    graph is only filled at execution time), so callers guard on `execute`. -#}
{% macro segment_models() -%}
    {%- set nodes = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model'
              and node.package_name == project_name
              and 'segment' in node.tags
              and node.config.enabled -%}
            {%- do nodes.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(nodes) -}}
{%- endmacro %}
