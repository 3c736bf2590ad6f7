---
description: Units sold and revenue per product, with the share of its category's revenue.
tags: [marts]
---
select
    p.product_id,
    p.name,
    p.category,
    sum(i.quantity) as units,
    sum(i.line_revenue) as revenue,
    round(sum(i.line_revenue) / sum(sum(i.line_revenue)) over (partition by p.category), 3) as category_share
from {{ ref('stg_order_items') }} as i
join {{ source('products') }} as p on p.product_id = i.product_id
group by p.product_id, p.name, p.category
