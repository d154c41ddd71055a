{#
    Every row of one social network in the social_traffic_sources seed names
    the same warehouse platform and category: fct_social_traffic_daily groups
    by the network and carries its platform and category along.
#}

select
    social_network,
    count(distinct coalesce(platform, '')) as platforms,
    count(distinct category) as categories
from {{ ref('social_traffic_sources') }}
group by 1
having count(distinct coalesce(platform, '')) > 1 or count(distinct category) > 1
