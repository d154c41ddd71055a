{#
    The 97.5 % quantile of Student's t distribution with `degrees_of_freedom`
    (the critical value of a two-sided 95 % interval), from the Cornish-Fisher
    expansion of t around the normal quantile z = 1.959963985 (Hill 1970,
    terms to 1/df^4). Accurate to 1e-3 from 4 degrees of freedom and to 1e-5
    from 10 (tests compare it with an exact implementation); null below 4,
    where the expansion breaks down and no interval is reported.
#}
{% macro t_critical_975(degrees_of_freedom) -%}
    {%- set z = 1.959963984540054 -%}
    {%- set df = '(cast(' ~ degrees_of_freedom ~ ' as ' ~ dbt.type_float() ~ '))' -%}
    case
        when {{ degrees_of_freedom }} >= 4 then
            {{ z }}
            + {{ (z ** 3 + z) / 4 }} / {{ df }}
            + {{ (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96 }} / power({{ df }}, 2)
            + {{ (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384 }} / power({{ df }}, 3)
            + {{ (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160 }}
            / power({{ df }}, 4)
    end
{%- endmacro %}
