WITH _t0 AS (
  SELECT *
  FROM `_xorq_mem_367287a6c30d1118`
  WHERE (`a"b` = 'x\'); drop table t; --\\')
)
SELECT `select`, (`a"b` || '\n') AS `weird "name"`
FROM _t0
