---
description: Monthly revenue per region (DuckDB SQL).
tags: [marts, daily]
profile: local
---
select region, order_month, count(*) as orders, sum(amount) as revenue
from {{ ref('orders_with_customers') }}
group by region, order_month
order by region, order_month
