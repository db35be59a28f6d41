{#- One row per (segment, member) for the as-of date D: the union of every segment model of the dbt graph
    (segment_models()), with
      as_of_date   D,
      segment_name the model name without its `seg_` prefix,
      customer_id  the member key: the segment's customer_id, or its anonymous_id for a segment keyed by
                   anonymous_id (member_type tells which),
      member_type  'customer' or 'anonymous_visitor',
      attributes   a JSON object of the segment's other columns.
    Columns are read from the built relation (falling back on the documented YAML columns), so a segment's
    attributes follow its SQL. Every segment must be a declared dependency of the calling model
    (`-- depends_on: {{ ref('seg_x') }}`) so that dbt builds it first; an undeclared one fails the run with the
    line to add, never silently reads a stale table. -#}
{% macro union_segment_memberships() -%}
    {%- set segments = segment_models() if execute else [] -%}
    {%- set undeclared = [] -%}
    {%- for node in segments -%}
        {%- if node.unique_id not in model.depends_on.nodes -%}
            {%- do undeclared.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if undeclared -%}
        {%- set lines = [] -%}
        {%- for name in undeclared -%}
            {%- do lines.append("-- depends_on: {{ ref('" ~ name ~ "') }}") -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " collects every model tagged `segment`, but dbt does not know that it depends on "
            ~ undeclared | join(', ') ~ ", so it could run before them and record stale members. Add to "
            ~ model.original_file_path ~ ":\n" ~ lines | join('\n')
            ~ "\n(`python -m segment_warehouse.segment_dependencies` writes the missing lines).") }}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- for node in segments -%}
        {%- do selects.append(segment_membership_rows(node)) -%}
    {%- endfor -%}
    {%- if selects | length == 0 -%}
        {#- parse time, or a project without segments: the typed empty shape -#}
        {%- do selects.append(segment_membership_rows(none)) -%}
    {%- endif -%}
    {{ selects | join('\n\n    union all\n\n    ') }}
{%- endmacro %}
