---
description: Revenue per customer region and segment (PostgreSQL SQL).
tags: [marts, daily]
profile: pg
---
select
    c.region,
    c.segment,
    count(*) as orders,
    sum(o.amount) as revenue
from {{ ref('clean_orders') }} as o
join {{ source('customers') }} as c on o.customer_id = c.customer_id
group by c.region, c.segment
order by revenue desc
