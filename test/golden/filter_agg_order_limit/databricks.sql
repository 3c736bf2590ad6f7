WITH _t0 AS (
  SELECT *
  FROM `_xorq_mem_367287a6c30d1118`
  WHERE (`amount` > 100) AND (`select` IN ('open', 'it\'s'))
),
_t1 AS (
  SELECT `select`, CAST(SUM(`qty`) AS BIGINT) AS `total`, CAST(AVG(`amount`) AS DOUBLE) AS `avg`, COUNT(*) AS `n`
  FROM _t0
  GROUP BY 1
),
_t2 AS (
  SELECT *
  FROM _t1
  ORDER BY `total` DESC NULLS LAST
)
SELECT *
FROM _t2
ORDER BY `total` DESC NULLS LAST
LIMIT 10 OFFSET 20
