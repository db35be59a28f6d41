{#- The as-of date D (DESIGN §4) as a YYYY-MM-DD string. In order: the `as_of_date` var; else, when models are
    executed, the SEGMENTS_AS_OF_DATE environment variable (how the daily job passes D: unlike a changed --vars,
    it leaves dbt's partial parse valid from one day to the next, since it is read only at execution time and
    never recorded by the parser); else today's UTC date. Validated, so a typo fails the run with a clear
    message instead of shifting every window. -#}
{% macro as_of_date_string() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- set origin = 'var as_of_date' -%}
    {%- if (value is none or value | string | trim == '') and execute -%}
        {%- set value = env_var('SEGMENTS_AS_OF_DATE', '') -%}
        {%- set origin = 'SEGMENTS_AS_OF_DATE' -%}
    {%- endif -%}
    {%- if value is none or value | string | trim == '' -%}
        {{- return(modules.datetime.datetime.now(modules.pytz.utc).strftime('%Y-%m-%d')) -}}
    {%- endif -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error(origin ~ "='" ~ value ~ "' is not a YYYY-MM-DD date (DESIGN §4)") }}
    {%- endif -%}
    {%- do modules.datetime.datetime.strptime(value, '%Y-%m-%d') -%}
    {{- return(value) -}}
{%- endmacro %}

{#- D as a SQL date literal. -#}
{% macro as_of_date() -%}
    cast('{{ as_of_date_string() }}' as date)
{%- endmacro %}
