{#- Incremental strategy `replace_scope`: the new rows replace every row of each scope value they name.

    A model keyed on a scope (config unique_key, e.g. customer_id: an order's rank depends on all of its
    customer's orders) recomputes whole scopes. dbt's delete+insert deletes only the scope values that still
    have rows, so a customer whose last valid order was cancelled would keep its old rows. Here the model also
    emits one marker row for such a scope: the scope value with a null row key (config scope_row_key, e.g.
    order_id). Every row of each scope value the new rows name is deleted, then only the real rows (row key
    not null) are inserted: the markers never reach the table.

    Config: incremental_strategy='replace_scope', unique_key='<scope column>', scope_row_key='<row key>'. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set scope_key = arg_dict['unique_key'] -%}
    {%- set row_key = config.get('scope_row_key') -%}
    {%- if not (scope_key is string and row_key is string) -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'replace_scope' needs unique_key (the scope column, one column) and "
            ~ "scope_row_key (the column that is null on a scope's marker row) in the config of " ~ target
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ scope_key }} in (
        select distinct {{ scope_key }} from {{ source }}
    );

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where {{ row_key }} is not null
{%- endmacro %}
