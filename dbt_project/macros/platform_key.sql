{#
    A readable, stable key for an object of a platform: '<platform>:<id>'.
    Platform names never contain ':' (they are checked with accepted_values),
    so the key is unambiguous, and it stays the same across rebuilds.
    Example: platform_key("'facebook_pages'", 'account_id')
        -> 'facebook_pages:104729381726354'
#}
{% macro platform_key(platform, id) -%}
    {{ dbt.concat([platform, "':'", dbt.safe_cast(id, dbt.type_string())]) }}
{%- endmacro %}
