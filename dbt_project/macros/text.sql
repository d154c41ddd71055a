{#
    Text helpers for untrusted social text.
#}

{#
    HTML (an RSS summary, a Google Alerts title) as plain text: tags removed,
    the common entities decoded (&amp; last, so "&amp;lt;" stays "&lt;"),
    whitespace runs collapsed. For counting and scoring, not for rendering:
    whatever renders text escapes it again.
#}
{% macro html_to_text(expression) -%}
    trim(regexp_replace(
        replace(replace(replace(replace(replace(replace(
            regexp_replace({{ expression }}, '<[^>]*>', ' ', 'g'),
            '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&nbsp;', ' '), '&amp;', '&'),
        '\s+', ' ', 'g'
    ))
{%- endmacro %}

{#
    Untrusted text kept to at most `mention_text_max_chars` characters
    (dbt_project.yml, 50,000 by default): the first that many. A 10 MB
    comment or feed summary must not travel whole through every model, test
    and snapshot downstream. `is_text_cut` says whether a text was longer.
    Characters are Unicode code points, as Python's len() counts them.
#}
{% macro capped_text(expression) -%}
    left({{ expression }}, {{ var('mention_text_max_chars') }})
{%- endmacro %}

{% macro is_text_cut(expression) -%}
    coalesce(length({{ expression }}) > {{ var('mention_text_max_chars') }}, false)
{%- endmacro %}

{#
    A URL reduced to what identifies the page, so the same article shared in
    several places is one mention: scheme and host lower-cased, `www.`
    dropped, `utm_*` and blank parameters, the fragment and a trailing slash
    removed.
    The same rule as extractors/rss.py `canonical_url` (feeds land it
    precomputed, after unwrapping Google Alerts redirects).
#}
{% macro canonical_url(expression) -%}
    {{ return(adapter.dispatch('canonical_url', 'social_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__canonical_url(expression) -%}
    {{ exceptions.raise_compiler_error('canonical_url is not implemented for adapter ' ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__canonical_url(expression) -%}
    {%- set scheme = "'^([A-Za-z][A-Za-z0-9+.-]*)://'" -%}
    {%- set host = "'^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)'" -%}
    {%- set path = "'^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)'" -%}
    (
        lower(regexp_extract({{ expression }}, {{ scheme }}, 1))
        || '://'
        || regexp_replace(lower(regexp_extract({{ expression }}, {{ host }}, 1)), '^www[.]', '')
        || regexp_replace(regexp_extract({{ expression }}, {{ path }}, 1), '/+$', '')
        || coalesce('?' || nullif(array_to_string(list_filter(
            string_split(regexp_extract({{ expression }}, '[?]([^#]*)', 1), '&'),
            lambda param: regexp_matches(param, '^[^=]+=.') and not starts_with(lower(param), 'utm_')
        ), '&'), ''), '')
    )
{%- endmacro %}

{# A keyword as an RE2 pattern: metacharacters escaped, whitespace runs matching any
   whitespace. Word boundaries are the caller's. #}
{% macro keyword_regex(column) -%}
    regexp_replace(
        regexp_replace(trim({{ column }}), '([.^$*+?()\[\]{}|\\])', '\\\1', 'g'),
        '\s+', '\\s+', 'g'
    )
{%- endmacro %}

{#
    A regex assembled in SQL (`pattern_sql`, one value, from the relation
    `source_relation`) as a constant string literal: DuckDB compiles a
    constant pattern once, but a pattern from a column or a join once per row
    (23 s instead of 0.04 s for 9,000 support items and 33 complaint keywords).

    The pattern is read when the model is built (the relation exists then:
    dbt builds it first). A unit test, a parse, or a relation not built yet
    gets `fallback_sql` instead: the same pattern computed per row, the same
    result, slower.
#}
{% macro constant_pattern(source_relation, pattern_sql, fallback_sql) -%}
    {%- if execute and model.resource_type == 'model' and load_relation(source_relation) is not none -%}
        {%- set pattern = run_query(
            'select ' ~ pattern_sql ~ ' from ' ~ source_relation
        ).columns[0].values()[0] -%}
        {%- if pattern is none -%}
            {{ return("cast(null as " ~ dbt.type_string() ~ ")") }}
        {%- endif -%}
        {{ return("'" ~ (pattern | replace("'", "''")) ~ "'") }}
    {%- endif -%}
    {{ return(fallback_sql) }}
{%- endmacro %}


{#
    The rows of `relation` (a CTE name) whose `text_column` names a brand by
    keyword, as (key_column, brand_id): one branch per brand, its keywords'
    whole-word patterns (stg_company__brand_keywords.keyword_pattern) joined
    into one constant alternation, compiled once, behind a plain-text
    pre-filter on `folded_column` (the text lower-cased with whitespace runs
    as one space). Matching is case-insensitive ('i'): a brand is named when
    any of its patterns matches, as one pattern per keyword would say.

    A pattern from a column is compiled once per row: at 339,000 mentions and
    10 keywords the per-row join took 15 s, the per-brand constants under one
    (bench/RESULTS.md, "Agency volume"). The keywords are read when the model
    is built; a unit test, a parse or keywords not built yet get the same
    match as a join on the per-row pattern.
#}
{% macro brand_keyword_matches(relation, key_column, text_column, folded_column, keywords_relation) -%}
    {%- if execute and model.resource_type == 'model' and load_relation(keywords_relation) is not none -%}
        {%- set brands = run_query(
            "select brand_id, cast(to_json(list(lower(regexp_replace(keyword, '\\s+', ' ', 'g')) order by keyword)) as varchar),"
            ~ " string_agg('(?:' || keyword_pattern || ')', '|' order by keyword)"
            ~ " from " ~ keywords_relation ~ " group by brand_id order by brand_id"
        ) -%}
        {%- set branches = [] -%}
        {%- for brand_id, folded_keywords, pattern in brands.rows -%}
            {%- set prefilter = [] -%}
            {%- for folded in fromjson(folded_keywords) -%}
                {%- do prefilter.append(
                    "contains(" ~ folded_column ~ ", " ~ sql_string_literal(folded) ~ ")"
                ) -%}
            {%- endfor -%}
            {%- do branches.append(
                "select " ~ key_column ~ ", " ~ sql_string_literal(brand_id) ~ " as brand_id"
                ~ " from " ~ relation
                ~ " where (" ~ prefilter | join(" or ") ~ ")"
                ~ " and regexp_matches(" ~ text_column ~ ", " ~ sql_string_literal(pattern) ~ ", 'i')"
            ) -%}
        {%- endfor -%}
        {%- if not branches -%}
            {{ return("select " ~ key_column ~ ", cast(null as " ~ dbt.type_string() ~ ") as brand_id from "
                ~ relation ~ " where false") }}
        {%- endif -%}
        {{ return(branches | join("\n    union all\n    ")) }}
    {%- endif -%}
    {{ return(
        "select " ~ relation ~ "." ~ key_column ~ ", keywords.brand_id from " ~ relation
        ~ " inner join " ~ keywords_relation ~ " as keywords"
        ~ " on contains(" ~ relation ~ "." ~ folded_column
        ~ ", lower(regexp_replace(keywords.keyword, '\\s+', ' ', 'g')))"
        ~ " and regexp_matches(" ~ relation ~ "." ~ text_column ~ ", keywords.keyword_pattern, 'i')"
    ) }}
{%- endmacro %}

{# A value as a single-quoted SQL string literal. #}
{% macro sql_string_literal(value) -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}
