{#
    `union all` of the same columns from each platform's intermediate model: the one place the
    cross-platform models (int_*__unioned) get their rows from. Adding a platform is adding its
    model name to the list in the unioned model.
#}
{% macro union_platform_models(platform_models, columns) -%}
    {%- for model_name in platform_models %}
    select
        {{ columns | join(',\n        ') }}
    from {{ ref(model_name) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
