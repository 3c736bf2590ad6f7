WITH _t0 AS (
  SELECT `id`
  FROM `_xorq_mem_367287a6c30d1118`
),
_t1 AS (
  SELECT `id`
  FROM `_xorq_mem_367287a6c30d1118`
),
_t2 AS (
  SELECT * FROM _t0
  UNION
  SELECT * FROM _t1
),
_t3 AS (
  SELECT DISTINCT *
  FROM _t2
)
SELECT *
FROM _t3
OFFSET 5
