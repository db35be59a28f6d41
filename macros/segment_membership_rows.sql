{#- The membership rows of one segment model (a graph node) for the as-of date D — see union_segment_memberships.
    With node=none, the typed empty result (used while parsing). -#}
{% macro segment_membership_rows(node) -%}
    {%- if node is none -%}
    select
        {{ as_of_date() }} as as_of_date,
        cast(null as {{ dbt.type_string() }}) as segment_name,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as member_type,
        cast(null as {{ type_json() }}) as attributes
    where 1 = 0
    {%- else -%}
    {%- set relation = ref(node.name) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {%- if columns | length == 0 -%}
        {%- set columns = node.columns.keys() | list -%}
    {%- endif -%}
    {%- if 'customer_id' in columns -%}
        {%- set key, member_type = 'customer_id', 'customer' -%}
    {%- elif 'anonymous_id' in columns -%}
        {%- set key, member_type = 'anonymous_id', 'anonymous_visitor' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "segment model " ~ node.name ~ " (" ~ node.original_file_path ~ ") has neither a customer_id nor an"
            ~ " anonymous_id column: every segment is keyed by one of them (SEGMENTS.md)") }}
    {%- endif -%}
    {%- set attribute_columns = [] -%}
    {%- for column in columns if column != key -%}
        {%- do attribute_columns.append(column) -%}
    {%- endfor -%}
    select
        {{ as_of_date() }} as as_of_date,
        cast('{{ node.name[4:] if node.name.startswith('seg_') else node.name }}' as {{ dbt.type_string() }}) as segment_name,
        cast({{ adapter.quote(key) }} as {{ dbt.type_string() }}) as customer_id,
        cast('{{ member_type }}' as {{ dbt.type_string() }}) as member_type,
        cast({{ json_object_from_columns(attribute_columns) }} as {{ type_json() }}) as attributes
    from {{ relation }}
    {%- endif -%}
{%- endmacro %}
