{#- A query returning one row per `key_column` of `relation` that has a non-null `value_column`: the key and,
    as `list_column`, its distinct non-null values sorted and joined with `delimiter` (a SQL string literal).
    Keys without a value have no row (left join the result; null means "none"). Deterministic whatever the
    row order. `relation` may be a CTE of the calling model. -#}
{% macro distinct_value_lists(relation, key_column, value_column, list_column, delimiter="', '") -%}
    {{ return(adapter.dispatch('distinct_value_lists', 'segment_warehouse')(
        relation, key_column, value_column, list_column, delimiter)) }}
{%- endmacro %}

{#- PostgreSQL (and the standard): an ordered distinct string_agg, which sorts and spills to disk. -#}
{% macro default__distinct_value_lists(relation, key_column, value_column, list_column, delimiter="', '") -%}
    select
        {{ key_column }},
        string_agg(distinct {{ value_column }}, {{ delimiter }} order by {{ value_column }}) as {{ list_column }}
    from {{ relation }}
    where {{ value_column }} is not null
    group by {{ key_column }}
{%- endmacro %}

{#- DuckDB cannot spill list or ordered aggregate states: over millions of keys they run out of memory under a
    small memory_limit. So each key's set of values is encoded as bits of fixed-size integers, which spill,
    and each distinct set is spelled out once:
      1. the distinct values are numbered in sort order; value n is bit n % 62 of word n // 62;
      2. per key and word, the bitwise or of its values' bits (a fixed-size aggregate);
      3. per distinct (word, bits), the sorted values it stands for (few rows: sets repeat);
      4. a key whose values all fall in one word (always the case with at most 62 distinct values) takes
         its word's list; a key spanning several words joins its words' lists in word order (an ordered
         aggregate again, but only over those keys). -#}
{% macro duckdb__distinct_value_lists(relation, key_column, value_column, list_column, delimiter="', '") -%}
    {%- set bits = 62 -%}
    with

    distinct_values as (

        select
            value_column as value,
            cast(row_number() over (order by value_column) - 1 as {{ dbt.type_bigint() }}) as value_number

        from (
            select distinct {{ value_column }} as value_column
            from {{ relation }}
            where {{ value_column }} is not null
        ) as values_seen

    ),

    numbered_values as (

        select
            value,
            value_number // {{ bits }} as word,
            cast(1 as {{ dbt.type_bigint() }}) << (value_number % {{ bits }}) as bit

        from distinct_values

    ),

    key_words as (

        select
            keyed.{{ key_column }} as key_value,
            numbered_values.word,
            bit_or(numbered_values.bit) as bits

        from {{ relation }} as keyed
        inner join numbered_values
            on keyed.{{ value_column }} = numbered_values.value
        group by keyed.{{ key_column }}, numbered_values.word

    ),

    word_lists as (

        select
            word_sets.word,
            word_sets.bits,
            string_agg(numbered_values.value, {{ delimiter }} order by numbered_values.value) as value_list

        from (select distinct word, bits from key_words) as word_sets
        inner join numbered_values
            on
                word_sets.word = numbered_values.word
                and (word_sets.bits & numbered_values.bit) <> 0
        group by word_sets.word, word_sets.bits

    ),

    words_per_key as (

        select
            key_value,
            count(*) as words,
            min(word) as word,
            min(bits) as bits

        from key_words
        group by key_value

    ),

    single_word_keys as (

        select
            words_per_key.key_value,
            word_lists.value_list

        from words_per_key
        inner join word_lists
            on
                words_per_key.word = word_lists.word
                and words_per_key.bits = word_lists.bits
        where words_per_key.words = 1

    ),

    multi_word_keys as (

        select
            key_words.key_value,
            string_agg(word_lists.value_list, {{ delimiter }} order by key_words.word) as value_list

        from key_words
        inner join word_lists
            on
                key_words.word = word_lists.word
                and key_words.bits = word_lists.bits
        where key_words.key_value in (select key_value from words_per_key where words > 1)
        group by key_words.key_value

    )

    select
        key_value as {{ key_column }},
        value_list as {{ list_column }}
    from single_word_keys

    union all

    select
        key_value as {{ key_column }},
        value_list as {{ list_column }}
    from multi_word_keys
{%- endmacro %}
