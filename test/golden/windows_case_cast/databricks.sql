SELECT `id`, `select`, `a"b`, `amount`, `qty`, `ts`, `d`, `price`, CAST(ROW_NUMBER() OVER (PARTITION BY `select` ORDER BY `amount` DESC NULLS LAST) AS BIGINT) AS `rn`, LAG(`amount`, 1) OVER (ORDER BY `id` ASC NULLS LAST) AS `prev`, CASE WHEN (`amount` < 10) THEN 's' ELSE 'l' END AS `size`, CAST(`qty` AS BIGINT) AS `qty64`, (`price` * 2) AS `p`, (`qty` % 3) AS `m`
FROM `_xorq_mem_367287a6c30d1118`
