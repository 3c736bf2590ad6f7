WITH _t0 AS (
  SELECT l.`id`, l.`select`, l.`a"b`, l.`amount`, l.`qty`, l.`ts`, l.`d`, l.`price`
  FROM `_xorq_mem_367287a6c30d1118` AS l
  WHERE EXISTS (SELECT 1 FROM `_xorq_mem_367287a6c30d1118` AS r WHERE (l.`id` = r.`id`))
),
_t1 AS (
  SELECT l.`id`, l.`select`, l.`a"b`, l.`amount`, l.`qty`, l.`ts`, l.`d`, l.`price`
  FROM `_xorq_mem_367287a6c30d1118` AS l
  WHERE NOT EXISTS (SELECT 1 FROM `_xorq_mem_367287a6c30d1118` AS r WHERE (l.`id` = r.`id`))
),
_t2 AS (
  SELECT * FROM _t0
  UNION ALL
  SELECT * FROM _t1
),
_t3 AS (
  SELECT `id`, `qty`
  FROM `_xorq_mem_367287a6c30d1118`
)
SELECT COALESCE(l.`id`, r.`id`) AS `id`, l.`select`, l.`a"b`, l.`amount`, l.`qty`, l.`ts`, l.`d`, l.`price`, r.`qty` AS `qty_right`
FROM _t2 AS l
FULL OUTER JOIN _t3 AS r ON (l.`id` = r.`id`)
