{#
    numerator / denominator as a float, or null when the denominator is null
    or zero. Every rate in the marts goes through this macro, so "never
    divide by zero" is decided in one place.
#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'social_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else cast(({{ numerator }}) as {{ dbt.type_float() }}) / ({{ denominator }})
    end
{%- endmacro %}
