---
description: Revenue per month and region, for orders above min_order_revenue.
tags: [marts, daily]
---
select
    order_month,
    region,
    count(*) as orders,
    sum(revenue) as revenue,
    round(avg(revenue), 2) as avg_order_value
from {{ ref('orders_enriched') }}
where revenue >= {{ var('min_order_revenue') }}
group by order_month, region
order by order_month, region
