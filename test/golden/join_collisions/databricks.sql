WITH _t0 AS (
  SELECT `id`, `amount`, `select`
  FROM `_xorq_mem_367287a6c30d1118`
),
_t1 AS (
  SELECT l.`id`, l.`select`, l.`a"b`, l.`amount`, l.`qty`, l.`ts`, l.`d`, l.`price`, r.`amount` AS `amount_right`, r.`select` AS `select_right`
  FROM `_xorq_mem_367287a6c30d1118` AS l
  LEFT JOIN _t0 AS r ON (l.`id` = r.`id`)
)
SELECT `id`, `select`, `a"b`, `amount`, `qty`, `ts`, `d`, `price`, `amount_right`, `select_right`, (`amount` / `qty`) AS `ratio`
FROM _t1
